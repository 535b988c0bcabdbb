import { describe, expect, it } from "vitest";
import { MeshError } from "../errors.js";
import { instanceRecord, modelRecord } from "../placement/test-support/records.js";
import { type Answer, createWorld, failed, runRoute, T0, type WorldOptions } from "./test-support/world.js";
import type { RouteRequest, RouteStep, TypeConstraintView } from "./types.js";

const roomy = (free: number) =>
  instanceRecord({ usedUnits: 10_000 - free, count: 1, lruTimeMs: T0 - 3_600_000 });
/**
 * The `rank`-th best load target, alone in its shortlist: each has over 1.25 × (and ≥ 10) the
 * models of the one before, so placement is deterministic without depending on the draw.
 */
const target = (rank: number) =>
  instanceRecord({
    usedUnits: 1000,
    count: rank === 0 ? 1 : 10 * 2 ** (rank - 1),
    lruTimeMs: T0 - 3_600_000,
  });
const full = instanceRecord({ usedUnits: 9900, count: 9, lruTimeMs: T0 - 3_600_000 });
const LOADED = T0 - 60_000;
const MIN = 60_000;

const notHere = (id: string) => failed(new MeshError("MODEL_NOT_HERE", `not in ${id}`, { instanceId: id }));
const loadFailed = (id: string, message = `boom in ${id}`) =>
  failed(new MeshError("LOAD_FAILED", message, { instanceId: id }));
const unavailable = failed(new MeshError("INSTANCE_UNAVAILABLE", "connection refused"));

const request = (kind: RouteRequest["kind"], more: Partial<RouteRequest> = {}): RouteRequest => ({
  kind,
  modelId: "m",
  balanced: false,
  ...more,
});

/** Self is the least desirable target unless a case gives it a better fresh record. */
const base: WorldOptions = {
  instances: { self: full, a: target(0), b: target(1), c: target(2), d: target(3), e: target(4) },
  selfRecord: full,
  minChurnAgeMs: 0,
};

const gpuOnly = (allowed: string[]): TypeConstraintView => ({
  allowedInstances: () => new Set(allowed),
  preferredInstances: () => undefined,
  requiredLabels: () => ["gpu"],
});

interface MissCase {
  readonly name: string;
  readonly world?: Partial<WorldOptions>;
  readonly model?: Parameters<typeof modelRecord>[0];
  readonly request: RouteRequest;
  readonly answers?: readonly Answer[];
  readonly trace: readonly string[];
  /** Checks on the final step. */
  readonly last?: (step: RouteStep) => void;
}

const errorOf = (step: RouteStep): MeshError | undefined =>
  step.kind === "fail" ? step.error : step.kind === "status" ? step.failure : undefined;

const cases: MissCase[] = [
  {
    name: "no copy: places the load and forwards it with the exclusion lists",
    request: request("inference", { cacheMissExcludes: ["x"] }),
    trace: ["forward-load:a"],
  },
  {
    name: "a failed load target: the next candidate",
    request: request("inference"),
    answers: [loadFailed("a")],
    trace: ["forward-load:a", "forward-load:b"],
  },
  {
    name: "balanced source: loads here when this instance is among the best",
    world: { selfRecord: roomy(9500) },
    request: request("inference", { balanced: true }),
    trace: ["load-local"],
  },
  {
    name: "nowhere to place and this instance is excluded: Nowhere available to load",
    request: request("ensure-loaded", { explicitExcludes: new Set(["self", "a", "b", "c", "d", "e"]) }),
    trace: ["status:LOADING_FAILED"],
    last: (step) => expect(errorOf(step)?.message).toBe("Nowhere available to load"),
  },
  {
    name: "everywhere failed: the load failure seen is returned",
    world: { instances: { self: full, a: roomy(9000) } },
    request: request("inference"),
    answers: [loadFailed("a", "runtime said no")],
    trace: ["forward-load:a", "load-local"],
  },
  {
    name: "three recent failures: fail fast with the latest failure, no new load",
    model: {
      failedIn: { a: T0 - 60_000, b: T0 - 30_000, c: T0 - 120_000 },
      failureMessages: { a: "failed in a", b: "failed in b", c: "failed in c" },
    },
    request: request("inference"),
    trace: ["fail:LOAD_FAILED"],
    last: (step) =>
      expect(errorOf(step)).toMatchObject({ message: "failed in b", details: { instanceId: "b" } }),
  },
  {
    name: "failures older than the in-use expiry do not count",
    model: { failedIn: { a: T0 - 8 * MIN, b: T0 - 30_000, c: T0 - 120_000 }, failureMessages: { a: "x" } },
    request: request("inference"),
    trace: ["forward-load:d"],
  },
  {
    name: "ensureLoaded after three recent failures answers LOADING_FAILED",
    model: { failedIn: { a: T0 - 1, b: T0 - 2, c: T0 - 3 }, failureMessages: { a: "latest" } },
    request: request("ensure-loaded"),
    trace: ["status:LOADING_FAILED"],
    last: (step) => expect(errorOf(step)?.message).toBe("latest"),
  },
  {
    name: "registered in ≥ 5 places and none could be invoked: the internal failure seen",
    model: { instanceIds: { a: LOADED, b: LOADED, c: LOADED, d: LOADED, e: LOADED } },
    request: request("inference"),
    answers: [unavailable, unavailable, unavailable, unavailable, unavailable],
    trace: [...["a", "b", "c", "d", "e"].map((i) => `forward-hit:${i}`), "fail:INSTANCE_UNAVAILABLE"],
  },
  {
    name: "registered in ≥ 5 places, all not-here: Failed to invoke model loaded in >=5 locations",
    model: { instanceIds: { a: LOADED, b: LOADED, c: LOADED, d: LOADED, e: LOADED } },
    request: request("inference"),
    answers: ["a", "b", "c", "d", "e"].map(notHere),
    trace: [...["a", "b", "c", "d", "e"].map((i) => `forward-hit:${i}`), "fail:LOAD_FAILED"],
    last: (step) => expect(errorOf(step)?.message).toBe("Failed to invoke model loaded in >=5 locations"),
  },
  {
    name: "budget spent on load targets without room: the last not-here (cache overflow)",
    world: {
      instances: Object.fromEntries([
        ["self", full],
        ...Array.from({ length: 10 }, (_, i) => [`t${i}`, target(i)]),
      ]),
    },
    request: request("ensure-loaded"),
    answers: Array.from({ length: 10 }, (_, i) => notHere(`t${i}`)),
    trace: [...Array.from({ length: 8 }, (_, i) => `forward-load:t${i}`), "fail:MODEL_NOT_HERE"],
  },
  {
    name: "budget spent: a load failure seen earlier takes priority",
    world: {
      instances: Object.fromEntries([
        ["self", full],
        ...Array.from({ length: 10 }, (_, i) => [`t${i}`, target(i)]),
      ]),
    },
    request: request("inference"),
    answers: [unavailable, loadFailed("t1"), ...Array.from({ length: 8 }, (_, i) => notHere(`t${i + 2}`))],
    trace: [...Array.from({ length: 8 }, (_, i) => `forward-load:t${i}`), "fail:LOAD_FAILED"],
    last: (step) => expect(errorOf(step)?.message).toBe("boom in t1"),
  },
  {
    name: "budget spent: an internal failure beats a not-here",
    world: {
      instances: Object.fromEntries([
        ["self", full],
        ...Array.from({ length: 10 }, (_, i) => [`t${i}`, target(i)]),
      ]),
    },
    request: request("inference"),
    answers: [unavailable, ...Array.from({ length: 9 }, (_, i) => notHere(`t${i + 1}`))],
    trace: [...Array.from({ length: 8 }, (_, i) => `forward-load:t${i}`), "fail:INSTANCE_UNAVAILABLE"],
  },
  {
    name: "status with no copy: NOT_LOADED",
    request: request("status"),
    trace: ["status:NOT_LOADED"],
  },
  {
    name: "status with recorded failures: LOADING_FAILED",
    model: { failedIn: { a: T0 - 1000 }, failureMessages: { a: "no" } },
    request: request("status"),
    trace: ["status:LOADING_FAILED"],
  },
  {
    name: "status after a copy failed during the request: LOADING_FAILED with that failure",
    model: { instanceIds: { a: LOADED } },
    request: request("status"),
    answers: [loadFailed("a")],
    trace: ["forward-hit:a", "status:LOADING_FAILED"],
    last: (step) => expect(errorOf(step)?.message).toBe("boom in a"),
  },
  {
    name: "type with no eligible instance: LOAD_FAILED naming the labels",
    world: { typeConstraints: gpuOnly([]) },
    model: { type: "tf" },
    request: request("inference"),
    trace: ["fail:LOAD_FAILED"],
    last: (step) =>
      expect(errorOf(step)?.message).toBe(
        "There are no running instances that meet the label requirements of type tf: [gpu]",
      ),
  },
  {
    name: "type constraints restrict the load targets",
    world: { typeConstraints: gpuOnly(["c"]) },
    request: request("inference"),
    trace: ["forward-load:c"],
  },
  {
    name: "churn guard: a full instance with a young LRU entry refuses to load",
    world: {
      instances: { self: full },
      selfRecord: instanceRecord({ usedUnits: 9900, count: 9, lruTimeMs: T0 - 10_000 }),
      minChurnAgeMs: MIN,
    },
    request: request("inference"),
    trace: ["fail:LOAD_FAILED"],
    last: (step) => expect(errorOf(step)?.message).toBe("Cache churn threshold exceeded"),
  },
  {
    name: "churn guard passes once the LRU entry is older than the churn age",
    world: {
      instances: { self: full },
      selfRecord: instanceRecord({ usedUnits: 9900, count: 9, lruTimeMs: T0 - MIN }),
      minChurnAgeMs: MIN,
    },
    request: request("inference"),
    trace: ["load-local"],
  },
  {
    name: "inference load fell through the local cache: Entry too old for cache",
    world: { instances: { self: full } },
    request: request("inference"),
    answers: [{ kind: "fell-through" }],
    trace: ["load-local", "fail:LOAD_FAILED"],
    last: (step) => expect(errorOf(step)?.message).toBe("Entry too old for cache for model m"),
  },
  {
    name: "ensureLoaded load fell through: another target is tried",
    world: { instances: { self: roomy(9500), a: roomy(9000) }, selfRecord: roomy(9500), seed: 3 },
    request: request("ensure-loaded", { balanced: true }),
    answers: [{ kind: "fell-through" }],
    trace: ["load-local", "forward-load:a"],
  },
  {
    name: "registry changed while registering here: back to the hit loop",
    world: { instances: { self: full, a: roomy(9000) }, selfRecord: roomy(9500) },
    request: request("inference", { balanced: true }),
    answers: [{ kind: "record-changed", record: modelRecord({ instanceIds: { a: LOADED } }) }],
    trace: ["load-local", "forward-hit:a"],
  },
  {
    name: "a local load failure at ingress: tried elsewhere",
    world: { selfRecord: roomy(9500) },
    request: request("inference", { balanced: true }),
    answers: [loadFailed("self")],
    trace: ["load-local", "forward-load:a"],
  },
  {
    name: "record absent from the snapshot: read strongly, then routed",
    world: { models: {} },
    request: request("inference"),
    answers: [{ kind: "record-changed", record: modelRecord() }],
    trace: ["read-record", "forward-load:a"],
  },
  {
    name: "record absent even when read strongly: MODEL_NOT_FOUND",
    world: { models: {} },
    request: request("inference"),
    answers: [{ kind: "record-changed", record: undefined }],
    trace: ["read-record", "fail:MODEL_NOT_FOUND"],
  },
  {
    name: "empty model id: MODEL_NOT_FOUND",
    request: request("inference", { modelId: "" }),
    trace: ["fail:MODEL_NOT_FOUND"],
  },
];

describe("routing: miss phase (§2.3 steps 4–6)", () => {
  for (const c of cases) {
    it(c.name, () => {
      const models = c.world?.models ?? { m: modelRecord(c.model) };
      const { ctx } = createWorld({ ...base, ...c.world, models });
      const answers = [...(c.answers ?? [])];
      const result = runRoute(c.request, ctx, () => answers.shift() ?? "ok");
      expect(result.trace).toEqual(c.trace);
      c.last?.(result.last);
    });
  }

  it("forwards the load with the copies and targets tried so far", () => {
    const { ctx } = createWorld({ ...base, models: { m: modelRecord({ instanceIds: { x: LOADED } }) } });
    const steps: RouteStep[] = [];
    const answers: Answer[] = [notHere("x"), notHere("a")];
    runRoute(request("inference", { cacheMissExcludes: ["z"] }), ctx, (step) => {
      steps.push(step);
      return answers.shift() ?? "ok";
    });
    const loads = steps.filter((s) => s.kind === "forward-load");
    expect(loads.map((s) => [s.instanceId, s.cacheHitExcludes, s.cacheMissExcludes])).toEqual([
      ["a", [{ instanceId: "x", loadTimestampMs: LOADED }], ["z"]],
      ["b", [{ instanceId: "x", loadTimestampMs: LOADED }], ["z", "a"]],
    ]);
    expect(loads[0]?.placement.pool).toContain("a");
  });
});
