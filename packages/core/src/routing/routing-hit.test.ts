import { describe, expect, it } from "vitest";
import { MeshError } from "../errors.js";
import { instanceRecord, modelRecord } from "../placement/test-support/records.js";
import { nextRouteStep } from "./next-step.js";
import { recordRouteOutcome } from "./record-outcome.js";
import { startRoute } from "./route-state.js";
import { type Answer, createWorld, failed, runRoute, T0, type WorldOptions } from "./test-support/world.js";
import type { RouteRequest, RouteStep } from "./types.js";

const roomy = instanceRecord({ usedUnits: 1000, count: 1, lruTimeMs: T0 - 3_600_000 });
const instances = { self: roomy, a: roomy, b: roomy, c: roomy };
const nearlyFull = instanceRecord({ usedUnits: 9900, count: 9, lruTimeMs: T0 - 3_600_000 });
const LOADED = T0 - 60_000; // loads that started a minute ago are assumed finished
const notHere = (id: string) => failed(new MeshError("MODEL_NOT_HERE", `not in ${id}`, { instanceId: id }));
const loadFailed = (id: string) => failed(new MeshError("LOAD_FAILED", `boom in ${id}`, { instanceId: id }));
const unavailable = failed(new MeshError("INSTANCE_UNAVAILABLE", "connection refused"));
const exhausted = failed(
  new MeshError("RUNTIME_ERROR", "predict: RESOURCE_EXHAUSTED: busy", { grpcCode: 8 }),
);
const invalid = failed(
  new MeshError("RUNTIME_ERROR", "predict: INVALID_ARGUMENT: bad tensor", { grpcCode: 3 }),
);

const inference = (more: Partial<RouteRequest> = {}): RouteRequest => ({
  kind: "inference",
  modelId: "m",
  balanced: false,
  ...more,
});

interface HitCase {
  readonly name: string;
  readonly world: Omit<WorldOptions, "instances">;
  readonly request: RouteRequest;
  /** Answers in order; "ok" when the list runs out. */
  readonly answers?: readonly Answer[];
  readonly trace: readonly string[];
  readonly failsWith?: string;
}

const cases: HitCase[] = [
  {
    name: "balanced: serves a loaded local copy without load balancing",
    world: {
      models: { m: modelRecord({ instanceIds: { self: LOADED, a: LOADED } }) },
      cache: { m: { state: "ACTIVE", loadTimestampMs: LOADED } },
      inFlight: { self: 50 },
    },
    request: inference({ balanced: true }),
    trace: ["serve-local"],
  },
  {
    name: "balanced: serves a still-loading local copy when it is the oldest",
    world: {
      models: { m: modelRecord({ instanceIds: { self: T0 - 2000, a: T0 - 1000 } }) },
      cache: { m: { state: "LOADING", loadTimestampMs: T0 - 2000 } },
    },
    request: inference({ balanced: true }),
    trace: ["serve-local"],
  },
  {
    name: "balanced: a loading local copy gives way to an older loaded copy",
    world: {
      models: { m: modelRecord({ instanceIds: { self: T0 - 2000, a: LOADED } }) },
      cache: { m: { state: "LOADING", loadTimestampMs: T0 - 2000 } },
    },
    request: inference({ balanced: true }),
    trace: ["forward-hit:a"],
  },
  {
    name: "unbalanced: the only copy is local",
    world: {
      models: { m: modelRecord({ instanceIds: { self: LOADED } }) },
      cache: { m: { state: "ACTIVE", loadTimestampMs: LOADED } },
    },
    request: inference(),
    trace: ["serve-local"],
  },
  {
    name: "unbalanced: forwards to the copy with the fewest requests in flight",
    world: {
      models: { m: modelRecord({ instanceIds: { self: LOADED, a: LOADED, b: LOADED } }) },
      cache: { m: { state: "ACTIVE", loadTimestampMs: LOADED } },
      inFlight: { self: 3, a: 2, b: 1 },
    },
    request: inference(),
    trace: ["forward-hit:b"],
  },
  {
    name: "unbalanced: serves locally when the local copy is least busy",
    world: {
      models: { m: modelRecord({ instanceIds: { self: LOADED, a: LOADED } }) },
      cache: { m: { state: "ACTIVE", loadTimestampMs: LOADED } },
      inFlight: { self: 0, a: 1 },
    },
    request: inference(),
    trace: ["serve-local"],
  },
  {
    name: "retries the next copy after not-here",
    world: {
      models: { m: modelRecord({ instanceIds: { a: LOADED, b: LOADED } }) },
      inFlight: { a: 0, b: 1 },
    },
    request: inference(),
    answers: [notHere("a")],
    trace: ["forward-hit:a", "forward-hit:b"],
  },
  {
    name: "a remote load failure: tries the other copy, then loads a new one",
    world: { models: { m: modelRecord({ instanceIds: { a: LOADED, b: LOADED } }) }, selfRecord: nearlyFull },
    request: inference(),
    answers: [loadFailed("a"), unavailable],
    trace: ["forward-hit:a", "forward-hit:b", "forward-load:c"],
  },
  {
    name: "skips unreachable copies and tried copies passed from upstream",
    world: {
      models: { m: modelRecord({ instanceIds: { a: LOADED, b: LOADED, c: LOADED } }) },
      unreachable: ["a"],
    },
    request: inference({ cacheHitExcludes: [{ instanceId: "b", loadTimestampMs: LOADED }] }),
    trace: ["forward-hit:c"],
  },
  {
    name: "a newer copy on a tried instance is not excluded",
    world: { models: { m: modelRecord({ instanceIds: { b: LOADED } }) } },
    request: inference({ cacheHitExcludes: [{ instanceId: "b", loadTimestampMs: LOADED - 1 }] }),
    trace: ["forward-hit:b"],
  },
  {
    name: "RESOURCE_EXHAUSTED: one more copy is tried, the second is returned",
    world: { models: { m: modelRecord({ instanceIds: { a: LOADED, b: LOADED, c: LOADED } }) } },
    request: inference(),
    answers: [exhausted, exhausted],
    trace: ["forward-hit:a", "forward-hit:b", "fail:RUNTIME_ERROR"],
  },
  {
    name: "RESOURCE_EXHAUSTED from the only copy and nowhere to load another: the exhaustion is returned",
    world: { models: { m: modelRecord({ instanceIds: { a: LOADED } }) } },
    request: inference({ explicitExcludes: new Set(["self", "b", "c"]) }),
    answers: [exhausted],
    trace: ["forward-hit:a", "fail:RUNTIME_ERROR"],
    failsWith: "predict: RESOURCE_EXHAUSTED: busy",
  },
  {
    name: "another runtime status code is returned at once",
    world: { models: { m: modelRecord({ instanceIds: { a: LOADED, b: LOADED } }) } },
    request: inference(),
    answers: [invalid],
    trace: ["forward-hit:a", "fail:RUNTIME_ERROR"],
  },
  {
    name: "registered here but missing from the cache: the registration is removed first",
    world: { models: { m: modelRecord({ instanceIds: { self: LOADED } }) } },
    request: inference(),
    answers: [{ kind: "record-changed", record: modelRecord({ instanceIds: { a: LOADED } }) }],
    trace: ["deregister-self", "forward-hit:a"],
  },
  {
    name: "the runtime lost the local copy (NOT_FOUND purge): reloaded here",
    world: {
      models: { m: modelRecord({ instanceIds: { self: LOADED } }) },
      cache: { m: { state: "ACTIVE", loadTimestampMs: LOADED } },
      selfRecord: roomy,
    },
    request: inference({ balanced: true }),
    answers: [notHere("self")].map((o) => ({ ...o, localCopyGone: true })),
    trace: ["serve-local", "load-local"],
  },
  {
    name: "status requests favour the local copy even when unbalanced",
    world: {
      models: { m: modelRecord({ instanceIds: { self: LOADED, a: LOADED } }) },
      cache: { m: { state: "ACTIVE", loadTimestampMs: LOADED } },
      inFlight: { self: 9 },
    },
    request: { kind: "status", modelId: "m", balanced: false },
    trace: ["serve-local"],
  },
  {
    name: "eight copies all not-here: 8 retry iterations exhausted",
    world: {
      models: {
        m: modelRecord({
          instanceIds: Object.fromEntries(["a", "b", "c", "d", "e", "f", "g", "h"].map((i) => [i, LOADED])),
        }),
      },
    },
    request: inference(),
    answers: ["a", "b", "c", "d", "e", "f", "g", "h"].map(notHere),
    trace: [
      "forward-hit:a",
      "forward-hit:b",
      "forward-hit:c",
      "forward-hit:d",
      "forward-hit:e",
      "forward-hit:f",
      "forward-hit:g",
      "forward-hit:h",
      "fail:INTERNAL",
    ],
    failsWith: "8 retry iterations exhausted",
  },
];

describe("routing: cache-hit loop (§2.3 step 3, §2.4)", () => {
  for (const c of cases) {
    it(c.name, () => {
      const { ctx } = createWorld({ instances, ...c.world });
      const answers = [...(c.answers ?? [])];
      const result = runRoute(c.request, ctx, () => answers.shift() ?? "ok");
      expect(result.trace).toEqual(c.trace);
      if (c.failsWith !== undefined) {
        expect(result.last.kind === "fail" && result.last.error.message).toBe(c.failsWith);
      }
    });
  }
});

describe("nextRouteStep() / recordRouteOutcome() contract", () => {
  it("repeats the pending step until its outcome is recorded", () => {
    const { ctx } = createWorld({
      instances,
      models: { m: modelRecord({ instanceIds: { a: LOADED, b: LOADED } }) },
    });
    const state = startRoute(inference(), ctx);
    const first: RouteStep = nextRouteStep(state, ctx);
    expect(nextRouteStep(state, ctx)).toBe(first);
    recordRouteOutcome(state, notHere("a"));
    expect(nextRouteStep(state, ctx)).toEqual({
      kind: "forward-hit",
      instanceId: "b",
      loadTimestampMs: LOADED,
    });
    expect(state.iterations).toBe(1);
  });

  it("rejects an outcome when no step is in progress, or one that does not fit the step", () => {
    const { ctx } = createWorld({ instances, models: { m: modelRecord({ instanceIds: { a: LOADED } }) } });
    const state = startRoute(inference(), ctx);
    expect(() => recordRouteOutcome(state, notHere("a"))).toThrow(MeshError);
    nextRouteStep(state, ctx);
    expect(() => recordRouteOutcome(state, { kind: "fell-through" })).toThrow(/fell-through/);
  });
});
