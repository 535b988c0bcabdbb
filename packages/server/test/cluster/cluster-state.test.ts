import type { InstanceRecord } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { partitionStats } from "../../src/cluster/cluster-state.js";
import { ModelRates } from "../../src/cluster/model-rates.js";

function instance(capacityUnits: number, usedUnits: number, lruTimeMs: number, count = 1): InstanceRecord {
  return {
    startTimeMs: 0,
    version: 0,
    labels: [],
    lruTimeMs,
    count,
    capacityUnits,
    usedUnits,
    loadingThreads: 2,
    loadsInProgress: 0,
    rpm: 0,
    shutdown: false,
    extra: {},
  };
}

describe("partitionStats()", () => {
  it("sums capacity, counts free space of non-full instances only, takes the oldest LRU", () => {
    const stats = partitionStats(
      [
        instance(1000, 400, 5000),
        instance(1000, 950, 3000), // 50 free: full with a 100-unit threshold
        instance(500, 0, Number.MAX_SAFE_INTEGER, 0), // empty: no LRU
        { ...instance(1000, 0, 1000), shutdown: true }, // treated as gone
      ],
      100,
    );
    expect(stats).toEqual({
      totalCapacityUnits: 2500,
      totalFreeUnits: 1100,
      globalLruMs: 3000,
      instanceCount: 3,
      copyCount: 2,
    });
  });
});

describe("ModelRates", () => {
  it("counts requests per model until the rate check drains them, and forgets departed models", () => {
    const rates = new ModelRates();
    rates.record("a");
    rates.record("a");
    rates.record("b");
    expect(rates.used().sort()).toEqual(["a", "b"]);
    expect(rates.state("a").count).toBe(2);
    rates.state("a").count = 0;
    expect(rates.used()).toEqual(["b"]);
    rates.prune((id) => id !== "b");
    expect(rates.peek("b")).toBeUndefined();
    expect(rates.peek("a")).toBeDefined();
  });
});
