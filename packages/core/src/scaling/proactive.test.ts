import { describe, expect, it } from "vitest";
import { createModelRecord } from "../records/model-record.js";
import { resolveScalingOptions } from "./options.js";
import type { ProactiveCandidate, ProactiveStats } from "./proactive.js";
import { isProactiveCandidate, selectProactiveLoads } from "./proactive.js";

const NOW = 1_700_000_000_000;
const MIN = 60_000;
const options = resolveScalingOptions();

describe("proactive loading", () => {
  const full: ProactiveStats = {
    totalCapacityUnits: 10_000,
    totalFreeUnits: 0,
    globalLruMs: NOW - 90 * MIN,
    modelCopyCount: 20,
  };

  it("isProactiveCandidate(): no copies, < 2 failures, and free space or a last use after the global LRU", () => {
    const model = createModelRecord({ type: "t", lastUsedMs: NOW - 60 * MIN });
    expect(isProactiveCandidate(model, full)).toBe(true);
    expect(isProactiveCandidate({ ...model, lastUsedMs: NOW - 100 * MIN }, full)).toBe(false);
    expect(isProactiveCandidate({ ...model, lastUsedMs: 0 }, { ...full, totalFreeUnits: 1 })).toBe(true);
    expect(isProactiveCandidate({ ...model, instanceIds: { a: 1 } }, full)).toBe(false);
    expect(isProactiveCandidate({ ...model, failedIn: { a: 1, b: 2 } }, full)).toBe(false);
  });

  const instance = (capacityUnits: number, usedUnits: number, loadsInProgress = 0) => ({
    startTimeMs: 0,
    version: 0,
    labels: [],
    lruTimeMs: 0,
    count: 0,
    capacityUnits,
    usedUnits,
    loadingThreads: 2,
    loadsInProgress,
    rpm: 0,
    shutdown: false,
    extra: {},
  });
  const candidates: ProactiveCandidate[] = [
    { modelId: "old", lastUsedMs: NOW - 200 * MIN },
    { modelId: "new", lastUsedMs: NOW - 5 * MIN },
    { modelId: "mid", lastUsedMs: NOW - 40 * MIN },
  ];

  it("fills half the space above 1/8 of each instance with models of any age, newest first", () => {
    // Free above reserve: 1000 − 125 = 875 (plus nothing from the busy instance) → 437 → 4 models of 100.
    const stats = {
      totalCapacityUnits: 2000,
      totalFreeUnits: 1000,
      globalLruMs: NOW - 90 * MIN,
      modelCopyCount: 2,
    };
    const instances = [instance(1000, 0), instance(1000, 0, 100)];
    const selection = selectProactiveLoads(
      { candidates, stats, instances, defaultModelSizeUnits: 100, nowMs: NOW },
      options,
    );
    expect(selection).toMatchObject({ freeSpaceCount: 4, maxCount: 4 });
    expect(selection.toLoad.map((c) => c.modelId)).toEqual(["new", "mid", "old"]);
  });

  it("in a full cluster loads nothing (no free space means no budget)", () => {
    const selection = selectProactiveLoads(
      { candidates, stats: full, instances: [], defaultModelSizeUnits: 100, nowMs: NOW },
      options,
    );
    expect(selection.toLoad).toEqual([]);
  });

  it("beyond free space, loads only models newer than the cutoff", () => {
    // 1 % free: no fillable space above the 1/8 reserve, but 5 % of capacity may be replaced.
    const stats = {
      totalCapacityUnits: 10_000,
      totalFreeUnits: 100,
      globalLruMs: NOW - 90 * MIN,
      modelCopyCount: 20,
    };
    const selection = selectProactiveLoads(
      { candidates, stats, instances: [instance(10_000, 9_900)], defaultModelSizeUnits: 100, nowMs: NOW },
      options,
    );
    // Average copy size (10 000 − 100) / 20 = 495 → at most 10 000 / (20 × 495) = 1 model.
    // Cutoff: LRU + max(90 min / 3, 20 min) = 60 min ago.
    expect(selection).toMatchObject({ freeSpaceCount: 0, maxCount: 1, cutoffMs: NOW - 60 * MIN });
    expect(selection.toLoad.map((c) => c.modelId)).toEqual(["new"]);
  });
});
