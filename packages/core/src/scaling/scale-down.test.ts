import { describe, expect, it } from "vitest";
import { createModelRecord } from "../records/model-record.js";
import { resolveScalingOptions } from "./options.js";
import type { ScaleDownInput } from "./scale-down.js";
import {
  createScaleDownBudget,
  decideScaleDown,
  scaleDownBudgetAllows,
  spendScaleDownBudget,
} from "./scale-down.js";

const NOW = 1_700_000_000_000;
const MIN = 60_000;
const HOUR = 60 * MIN;
const options = resolveScalingOptions();

function copies(count: number, loadedAgoMs = 2 * HOUR): Record<string, number> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`i${i}`, NOW - loadedAgoMs]));
}

function decide(
  changes: Partial<ScaleDownInput> & { copyCount?: number; cacheAgeMs?: number; lul?: number },
) {
  const { copyCount = 2, cacheAgeMs = 50 * HOUR, lul = 0, ...rest } = changes;
  const record = { ...createModelRecord({ type: "t" }), instanceIds: copies(copyCount), lastUnloadMs: lul };
  return decideScaleDown(
    {
      record,
      partition: { totalCapacityUnits: 1000, totalFreeUnits: 40, globalLruMs: NOW - cacheAgeMs },
      hasOtherLiveCopy: true,
      selfLessDesirable: true,
      nowMs: NOW,
      lastUsedMs: NOW - 6 * HOUR,
      lastHeavyMs: 0,
      recentRpm: 0,
      rateSampleMs: 10_000,
      thresholdRpm: 2000,
      ...rest,
    },
    options,
  );
}

describe("decideScaleDown()", () => {
  const cases: ReadonlyArray<[string, Parameters<typeof decide>[0], string | true]> = [
    // 2 copies: the removal age is a tenth of the cache age (50 h → 5 h).
    ["2 copies unused for longer than cache age / 10", {}, true],
    ["2 copies used more recently", { lastUsedMs: NOW - 4 * HOUR }, "used-recently"],
    [
      "2 copies: only the less desirable instance removes",
      { selfLessDesirable: false },
      "other-copy-removes",
    ],
    ["2 copies: the age is capped at 10 h", { cacheAgeMs: 200 * HOUR, lastUsedMs: NOW - 11 * HOUR }, true],
    [
      "2 copies: no cap for a model heavy within cache age / 5",
      { cacheAgeMs: 200 * HOUR, lastUsedMs: NOW - 11 * HOUR, lastHeavyMs: NOW - 30 * HOUR },
      "used-recently",
    ],
    ["1 copy", { copyCount: 1 }, "single-copy"],
    [
      "partition 6 % free",
      { partition: { totalCapacityUnits: 1000, totalFreeUnits: 60, globalLruMs: 0 } },
      "partition-not-full",
    ],
    ["no other live copy", { hasOtherLiveCopy: false }, "no-other-live-copy"],
    // ≥ 3 copies.
    ["3 copies, quiet", { copyCount: 3 }, true],
    ["3 copies, another unloaded 70 s ago", { copyCount: 3, lul: NOW - 70_000 }, "recent-unload"],
    ["3 copies, another unloaded 90 s ago", { copyCount: 3, lul: NOW - 90_000 }, true],
    ["3 copies, still busy", { copyCount: 3, recentRpm: 1334 }, "busy"],
    ["3 copies, rate sample too short", { copyCount: 3, rateSampleMs: 999 }, "sample-too-short"],
    ["3 copies, latency mode with a queue", { copyCount: 3, queuedRequests: 2 }, "busy"],
    // §15.4 item 3: minAge = clamp(3 % of the LRU age + 104 s, 10 min, 5 h). With a 50 h old cache
    // that is 91.7 min, so a copy heavy 2 h ago may go (the original always used 5 h and kept it).
    ["3 copies, heavy 2 h ago in a 50 h old cache", { copyCount: 3, lastHeavyMs: NOW - 2 * HOUR }, true],
    [
      "3 copies, heavy 80 min ago in a 50 h old cache",
      { copyCount: 3, lastHeavyMs: NOW - 80 * MIN },
      "recently-heavy",
    ],
    [
      "3 copies, heavy 11 min ago in a young cache",
      { copyCount: 3, cacheAgeMs: HOUR, lastHeavyMs: NOW - 11 * MIN },
      true,
    ],
    [
      "3 copies, heavy 9 min ago in a young cache",
      { copyCount: 3, cacheAgeMs: HOUR, lastHeavyMs: NOW - 9 * MIN },
      "recently-heavy",
    ],
    [
      "3 copies, heavy 4 h ago in a 30-day cache",
      { copyCount: 3, cacheAgeMs: 720 * HOUR, lastHeavyMs: NOW - 4 * HOUR },
      "recently-heavy",
    ],
  ];
  it.each(cases)("%s", (_name, changes, expected) => {
    expect(decide(changes)).toEqual(
      expected === true ? { remove: true } : { remove: false, reason: expected },
    );
  });

  it("keeps 3 copies when one was loaded in the last 30 min", () => {
    const record = {
      ...createModelRecord({ type: "t" }),
      instanceIds: { ...copies(2), fresh: NOW - 29 * MIN },
    };
    const input = {
      record,
      partition: { totalCapacityUnits: 1000, totalFreeUnits: 0, globalLruMs: NOW - 50 * HOUR },
      hasOtherLiveCopy: true,
      selfLessDesirable: true,
      nowMs: NOW,
      lastUsedMs: NOW - 6 * HOUR,
      lastHeavyMs: 0,
      recentRpm: 0,
      rateSampleMs: 10_000,
      thresholdRpm: 2000,
    };
    expect(decideScaleDown(input, options)).toEqual({ remove: false, reason: "recent-load" });
  });
});

describe("scale-down budget", () => {
  it("allows 5 % of capacity per run, and always the first removal", () => {
    let budget = createScaleDownBudget(2000);
    expect(budget.remainingUnits).toBe(100);
    expect(scaleDownBudgetAllows(budget, 500)).toBe(true);
    budget = spendScaleDownBudget(budget, 500);
    expect(scaleDownBudgetAllows(budget, 1)).toBe(false);
    budget = spendScaleDownBudget(createScaleDownBudget(2000), 60);
    expect(scaleDownBudgetAllows(budget, 40)).toBe(true);
    expect(scaleDownBudgetAllows(budget, 41)).toBe(false);
  });
});
