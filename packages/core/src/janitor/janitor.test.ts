import { describe, expect, it } from "vitest";
import { WeightedLruCache } from "../cache/weighted-lru-cache.js";
import { createManualClock } from "../ports/clock.js";
import { createSeededRandom } from "../ports/random.js";
import { addCopy, addLoadFailure, createModelRecord } from "../records/model-record.js";
import type { ModelRecord } from "../records/types.js";
import { resolveScalingOptions } from "../scaling/options.js";
import type { JanitorCacheEntry } from "./cache-reconcile.js";
import { reconcileCache, reconcileCacheEntry } from "./cache-reconcile.js";
import type { JanitorContext } from "./options.js";
import { pickStaleLastUsedAgeMs, resolveJanitorOptions } from "./options.js";
import type { JanitorLocalEntry } from "./registry-reconcile.js";
import { applyRecordPrune, reconcileRegistry, reconcileRegistryRecord } from "./registry-reconcile.js";

const NOW = 1_700_000_000_000;
const MIN = 60_000;
const HOUR = 60 * MIN;
const SELF = "self";
const ctx: JanitorContext = {
  selfInstanceId: SELF,
  nowMs: NOW,
  loadTimeoutMs: 90_000,
  staleLastUsedAgeMs: 6 * HOUR,
  options: resolveJanitorOptions(),
};
const LOAD_START = NOW - 5 * HOUR;

function entry(changes: Partial<JanitorCacheEntry> = {}): JanitorCacheEntry {
  return { modelId: "m", state: "ACTIVE", lastUsedMs: NOW - HOUR, loadStartMs: LOAD_START, ...changes };
}

const registered = addCopy(createModelRecord({ type: "t", lastUsedMs: NOW - 2 * HOUR }), SELF, LOAD_START);

describe("pickStaleLastUsedAgeMs()", () => {
  it("draws 6–7 h", () => {
    const random = createSeededRandom(1);
    for (let i = 0; i < 100; i++) {
      const age = pickStaleLastUsedAgeMs(random, ctx.options);
      expect(age).toBeGreaterThanOrEqual(6 * HOUR);
      expect(age).toBeLessThan(7 * HOUR);
    }
  });
});

describe("reconcileCacheEntry() (step 1)", () => {
  const cases: ReadonlyArray<[string, Partial<JanitorCacheEntry>, ModelRecord | undefined, object]> = [
    ["still loading", { state: "LOADING" }, undefined, { kind: "keep" }],
    ["registered with the same timestamp", {}, registered, { kind: "keep" }],
    [
      "recently used and unregistered: left alone",
      { lastUsedMs: NOW - 5 * MIN },
      undefined,
      { kind: "keep" },
    ],
    [
      "registered, record lu stale by 6 h",
      { lastUsedMs: NOW - HOUR },
      { ...registered, lastUsedMs: NOW - 8 * HOUR },
      { kind: "refresh-last-used", lastUsedMs: NOW - HOUR },
    ],
    ["model deleted", {}, undefined, { kind: "remove-from-cache", reason: "not-registered" }],
    [
      "failed entry without its failure record",
      { state: "FAILED", failedAtMs: NOW - 20 * MIN },
      registered,
      { kind: "remove-from-cache", reason: "failure-not-recorded" },
    ],
    [
      "failed entry with its failure record",
      { state: "FAILED", failedAtMs: NOW - 20 * MIN },
      addLoadFailure(registered, { instanceId: SELF, failedAtMs: NOW - 20 * MIN }),
      { kind: "keep" },
    ],
    [
      "unregistered after an unload attempt",
      { unloadAttemptedAtMs: NOW - 5 * MIN },
      createModelRecord({ type: "t" }),
      { kind: "remove-from-cache", reason: "unload-attempted" },
    ],
    [
      "loaded but unregistered: register again",
      { unloadAttemptedAtMs: NOW - 11 * MIN },
      createModelRecord({ type: "t" }),
      { kind: "register-copy", loadStartMs: LOAD_START, lastUsedMs: NOW - HOUR },
    ],
    [
      "registered with another timestamp",
      {},
      addCopy(createModelRecord({ type: "t" }), SELF, LOAD_START - 1),
      { kind: "register-copy", loadStartMs: LOAD_START, registeredLoadStartMs: LOAD_START - 1 },
    ],
    [
      "a 'never' last-used time",
      { lastUsedMs: Number.MAX_SAFE_INTEGER },
      { ...registered, lastUsedMs: Number.MAX_SAFE_INTEGER },
      { kind: "repair-last-used", lastUsedMs: NOW - 3 * HOUR, repairRecord: true },
    ],
  ];
  it.each(cases)("%s", (_name, changes, record, expected) => {
    expect(reconcileCacheEntry(entry(changes), record, ctx)).toMatchObject({ modelId: "m", ...expected });
  });

  it("keeps going after repairing a 'never' entry (§15.4 item 6)", () => {
    const entries = [
      entry({ modelId: "stuck", lastUsedMs: Number.MAX_SAFE_INTEGER }),
      entry({ modelId: "gone" }),
      entry({ modelId: "fine" }),
    ];
    const records = new Map([
      ["fine", registered],
      ["stuck", registered],
    ]);
    const actions = reconcileCache(entries, (id) => records.get(id), ctx);
    expect(actions.map((action) => [action.kind, action.modelId])).toEqual([
      ["repair-last-used", "stuck"],
      ["remove-from-cache", "gone"],
    ]);
  });

  it("the cache can apply the repair (moving the entry back in time)", () => {
    const cache = new WeightedLruCache<string>({ capacityUnits: 100, clock: createManualClock(NOW) });
    cache.insert("a", { data: "a", lastUsedMs: NOW - HOUR });
    const stuck = cache.insert("stuck", { data: "stuck", lastUsedMs: Number.MAX_SAFE_INTEGER });
    if (stuck.kind !== "inserted") throw new Error(stuck.kind);
    expect(cache.repairLastUsed(stuck.entry, NOW - 3 * HOUR)).toBe(true);
    expect(cache.entries("lru-first").map((e) => e.id)).toEqual(["stuck", "a"]);
  });
});

describe("reconcileRegistryRecord() (step 2)", () => {
  const scaling = resolveScalingOptions();
  const rctx = { selfInstanceId: SELF, nowMs: NOW };
  const active: JanitorLocalEntry = { state: "ACTIVE", lastUsedMs: NOW - HOUR };
  const failedLocal: JanitorLocalEntry = { state: "FAILED", lastUsedMs: NOW - HOUR };
  const failure = (agoMs: number) =>
    addLoadFailure(createModelRecord({ type: "t" }), {
      instanceId: SELF,
      failedAtMs: NOW - agoMs,
      message: "x",
    });

  const cases: ReadonlyArray<[string, ModelRecord, JanitorLocalEntry | undefined, object[]]> = [
    ["a record not mentioning us", createModelRecord({ type: "t" }), active, []],
    [
      "registered and loaded: a scale-down candidate",
      registered,
      active,
      [{ kind: "scale-down-candidate", lastUsedMs: NOW - HOUR }],
    ],
    [
      "registered but not cached",
      registered,
      undefined,
      [{ kind: "prune-record", removeCopy: true, removeFailure: false, dropLocalFailedEntry: false }],
    ],
    [
      "registered but failed locally",
      registered,
      failedLocal,
      [{ kind: "prune-record", removeCopy: true, removeFailure: false, lastUsedMs: NOW - HOUR }],
    ],
    [
      "a failure record contradicted by a live copy",
      failure(MIN),
      active,
      [{ kind: "prune-record", removeCopy: false, removeFailure: true, dropLocalFailedEntry: false }],
    ],
    ["a fresh failure", failure(10 * MIN), failedLocal, []],
    [
      "an expired failure: the local failed entry goes too",
      failure(16 * MIN),
      failedLocal,
      [{ kind: "prune-record", removeFailure: true, dropLocalFailedEntry: true }],
    ],
    [
      "a failure of a model in use expires at half",
      failure(8 * MIN),
      { state: "FAILED", lastUsedMs: NOW - MIN },
      [{ kind: "prune-record", removeFailure: true, dropLocalFailedEntry: true }],
    ],
  ];
  it.each(cases)("%s", (_name, record, local, expected) => {
    const actions = reconcileRegistryRecord("m", record, local, rctx, scaling);
    expect(actions).toHaveLength(expected.length);
    for (const [i, action] of expected.entries()) expect(actions[i]).toMatchObject(action);
  });

  it("orders scale-down candidates oldest first and applies prunes", () => {
    const records = new Map<string, ModelRecord>([
      ["new", registered],
      ["old", registered],
      ["orphan", { ...registered, instanceIds: { ...registered.instanceIds, a: 1, b: 2 } }],
    ]);
    const locals = new Map<string, JanitorLocalEntry>([
      ["new", { state: "ACTIVE", lastUsedMs: NOW - MIN }],
      ["old", { state: "ACTIVE", lastUsedMs: NOW - HOUR }],
    ]);
    const result = reconcileRegistry(records, (id) => locals.get(id), rctx, scaling);
    expect(result.scaleDownCandidates.map((c) => c.modelId)).toEqual(["old", "new"]);
    expect(result.prunes.map((p) => p.modelId)).toEqual(["orphan"]);
    const pruned = applyRecordPrune(records.get("orphan") ?? registered, result.prunes[0] ?? never(), rctx);
    expect(pruned.instanceIds).toEqual({ a: 1, b: 2 });
    expect(pruned.lastUnloadMs).toBe(0);
  });
});

function never(): never {
  throw new Error("missing prune");
}
