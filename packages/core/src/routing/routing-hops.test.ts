import { describe, expect, it } from "vitest";
import { MeshError } from "../errors.js";
import { instanceRecord, modelRecord } from "../placement/test-support/records.js";
import { type Answer, createWorld, failed, runRoute, T0, type WorldOptions } from "./test-support/world.js";
import type { RouteRequest, RouteStep } from "./types.js";

const roomy = instanceRecord({ usedUnits: 1000, count: 1, lruTimeMs: T0 - 3_600_000 });
const LOADED = T0 - 60_000;
const loadFailed = (id: string) => failed(new MeshError("LOAD_FAILED", `boom in ${id}`, { instanceId: id }));

const request = (
  kind: RouteRequest["kind"],
  hop: NonNullable<RouteRequest["hop"]>,
  more: Partial<RouteRequest> = {},
): RouteRequest => ({
  kind,
  modelId: "m",
  balanced: false,
  hop,
  ...more,
});

interface HopCase {
  readonly name: string;
  readonly world: Omit<WorldOptions, "instances">;
  readonly request: RouteRequest;
  readonly answers?: readonly Answer[];
  readonly trace: readonly string[];
  readonly message?: string;
}

const cases: HopCase[] = [
  {
    name: "hit_only: serves the local copy",
    world: {
      models: { m: modelRecord({ instanceIds: { self: LOADED, a: LOADED } }) },
      cache: { m: { state: "ACTIVE", loadTimestampMs: LOADED } },
    },
    request: request("inference", "hit_only"),
    trace: ["serve-local"],
  },
  {
    name: "hit_only: no local copy is not-here, never forwarded",
    world: { models: { m: modelRecord({ instanceIds: { a: LOADED } }) } },
    request: request("inference", "hit_only"),
    trace: ["fail:MODEL_NOT_HERE"],
  },
  {
    name: "hit_only: a failure of the local copy is returned as it is",
    world: { cache: { m: { state: "FAILED", loadTimestampMs: LOADED } } },
    request: request("status", "hit_only"),
    answers: [loadFailed("self")],
    trace: ["serve-local", "fail:LOAD_FAILED"],
  },
  {
    name: "load_local_only: loads here without placing",
    world: { models: { m: modelRecord() } },
    request: request("inference", "load_local_only"),
    trace: ["load-local"],
  },
  {
    name: "load_local_only: a local load failure goes back upstream",
    world: { models: { m: modelRecord() } },
    request: request("ensure-loaded", "load_local_only"),
    answers: [loadFailed("self")],
    trace: ["load-local", "fail:LOAD_FAILED"],
  },
  {
    name: "load_local_only: a copy upstream has not tried is used (third hop)",
    world: { models: { m: modelRecord({ instanceIds: { a: LOADED, b: LOADED } }) } },
    request: request("inference", "load_local_only", {
      cacheHitExcludes: [{ instanceId: "b", loadTimestampMs: LOADED }],
    }),
    trace: ["forward-hit:a"],
  },
  {
    name: "load_local_only: already failed here, the recorded failure is returned",
    world: {
      models: { m: modelRecord({ failedIn: { self: T0 - 1000 }, failureMessages: { self: "failed here" } }) },
    },
    request: request("inference", "load_local_only"),
    trace: ["fail:LOAD_FAILED"],
    message: "failed here",
  },
  {
    name: "load_local_only: already registered here after upstream tried it",
    world: { models: { m: modelRecord({ instanceIds: { self: LOADED } }) } },
    request: request("inference", "load_local_only", {
      cacheHitExcludes: [{ instanceId: "self", loadTimestampMs: LOADED }],
    }),
    trace: ["fail:INTERNAL"],
    message: "Cluster routing state error",
  },
  {
    name: "load_local_only: this instance lacks a required label",
    world: {
      models: { m: modelRecord({ type: "tf" }) },
      typeConstraints: {
        allowedInstances: () => new Set(["a"]),
        preferredInstances: () => undefined,
        requiredLabels: () => ["gpu", "large"],
      },
    },
    request: request("inference", "load_local_only"),
    trace: ["fail:LOAD_FAILED"],
    message: "Instance does not have all required labels for type tf: [gpu, large]",
  },
  {
    name: "load_local_only: an ensureLoaded that fell through is not-here",
    world: { models: { m: modelRecord() } },
    request: request("ensure-loaded", "load_local_only"),
    answers: [{ kind: "fell-through" }],
    trace: ["load-local", "fail:MODEL_NOT_HERE"],
  },
  {
    name: "internal: an ensureLoaded started in the cluster answers LOADING_FAILED like a client's",
    world: { models: { m: modelRecord({ failedIn: { a: T0, b: T0, c: T0 }, failureMessages: { a: "x" } }) } },
    request: request("ensure-loaded", "internal"),
    trace: ["status:LOADING_FAILED"],
  },
  {
    name: "latency mode, balanced: the local copy wins load-balancing ties",
    world: {
      models: { m: modelRecord({ instanceIds: { self: LOADED, a: LOADED } }) },
      cache: { m: { state: "ACTIVE", loadTimestampMs: LOADED } },
      lastUsed: { self: T0 - 100, a: T0 - 500 },
    },
    request: request("inference", "external", { balanced: true, limitModelConcurrency: true }),
    trace: ["serve-local"],
  },
  {
    name: "unbalanced: the least recently used copy wins ties",
    world: {
      models: { m: modelRecord({ instanceIds: { self: LOADED, a: LOADED } }) },
      cache: { m: { state: "ACTIVE", loadTimestampMs: LOADED } },
      lastUsed: { self: T0 - 100, a: T0 - 500 },
    },
    request: request("inference", "external"),
    trace: ["forward-hit:a"],
  },
];

describe("routing: hop types (§2.3)", () => {
  for (const c of cases) {
    it(c.name, () => {
      const { ctx } = createWorld({ instances: { self: roomy, a: roomy, b: roomy }, ...c.world });
      const answers = [...(c.answers ?? [])];
      const result = runRoute(c.request, ctx, () => answers.shift() ?? "ok");
      expect(result.trace).toEqual(c.trace);
      if (c.message !== undefined) {
        const last: RouteStep = result.last;
        expect(last.kind === "fail" ? last.error.message : undefined).toBe(c.message);
      }
    });
  }
});
