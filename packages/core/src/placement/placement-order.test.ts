import { describe, expect, it } from "vitest";
import type { InstanceRecord } from "../records/types.js";
import {
  comparePlacementOrder,
  newerVersionFirst,
  type OrderContext,
  placementOrderPolicy,
} from "./placement-order.js";
import { instanceRecord } from "./test-support/records.js";

const NOW = 1_700_000_000_000;
const ctx: OrderContext = { minSpaceUnits: 1000, minChurnAgeMs: 60_000, nowMs: NOW };
/** 10 000 units of capacity; `free` units left. */
const withFree = (free: number, more: Partial<InstanceRecord> = {}) =>
  instanceRecord({ usedUnits: 10_000 - free, count: 1, lruTimeMs: NOW - 3_600_000, ...more });
const full = (more: Partial<InstanceRecord> = {}) => withFree(500, more);

describe("comparePlacementOrder()", () => {
  const cases: { rule: string; a: InstanceRecord; b: InstanceRecord }[] = [
    { rule: "not shutting down first", a: withFree(100), b: withFree(9000, { shutdown: true }) },
    { rule: "newer version first (not full)", a: withFree(2000, { version: 2 }), b: withFree(9000) },
    {
      rule: "newer version first when full but its LRU entry is older than 2 × churn age",
      a: full({ version: 2, lruTimeMs: NOW - 121_000 }),
      b: withFree(9000),
    },
    {
      rule: "full newer version with a young LRU entry loses its precedence",
      a: withFree(9000),
      b: full({ version: 2, lruTimeMs: NOW - 60_000 }),
    },
    { rule: "non-full before full", a: withFree(1000), b: full({ lruTimeMs: NOW - 86_400_000 }) },
    {
      rule: "both full: older LRU first",
      a: full({ lruTimeMs: NOW - 7200_000, count: 9 }),
      b: full({ lruTimeMs: NOW - 3600_000, count: 1 }),
    },
    { rule: "fewer models first", a: withFree(2000, { count: 2 }), b: withFree(8000, { count: 3 }) },
    { rule: "more free units first", a: withFree(8000), b: withFree(2000) },
    {
      rule: "both non-full: older LRU first",
      a: withFree(5000, { lruTimeMs: NOW - 2000 }),
      b: withFree(5000, { lruTimeMs: NOW - 1000 }),
    },
    { rule: "more free loading slots first", a: withFree(5000, { loadingThreads: 4 }), b: withFree(5000) },
    {
      rule: "fewer loads in progress first",
      a: withFree(5000, { loadingThreads: 3, loadsInProgress: 1 }),
      b: withFree(5000, { loadingThreads: 4, loadsInProgress: 2 }),
    },
    {
      rule: "bigger capacity first",
      a: withFree(5000, { capacityUnits: 20_000, usedUnits: 15_000 }),
      b: withFree(5000),
    },
    { rule: "lower rpm first", a: withFree(5000, { rpm: 10 }), b: withFree(5000, { rpm: 20 }) },
  ];
  for (const c of cases) {
    it(`orders by: ${c.rule}`, () => {
      const a = { id: "b-inst", record: c.a };
      const b = { id: "a-inst", record: c.b };
      expect(comparePlacementOrder(a, b, ctx)).toBeLessThan(0);
      expect(comparePlacementOrder(b, a, ctx)).toBeGreaterThan(0);
    });
  }

  it("breaks remaining ties by id, then location, zone and labels (absent last)", () => {
    const r = withFree(5000);
    expect(comparePlacementOrder({ id: "a", record: r }, { id: "b", record: r }, ctx)).toBeLessThan(0);
    const located = { id: "a", record: { ...r, location: "10.0.0.1" } };
    expect(comparePlacementOrder(located, { id: "a", record: r }, ctx)).toBeLessThan(0);
    const zoned = { id: "a", record: { ...r, zone: "z1" } };
    expect(comparePlacementOrder(zoned, { id: "a", record: r }, ctx)).toBeLessThan(0);
    const labelled = { id: "a", record: { ...r, labels: ["gpu"] } };
    expect(comparePlacementOrder({ id: "a", record: r }, labelled, ctx)).toBeLessThan(0);
    expect(comparePlacementOrder({ id: "a", record: r }, { id: "a", record: r }, ctx)).toBe(0);
  });
});

describe("newerVersionFirst() (§15.4 item 2)", () => {
  // The original compared the LRU *timestamp* (always far above 2 × minChurnAgeMs) with the
  // duration, so a full newer instance always won. These cases fail with that comparison.
  const cases: { name: string; record: InstanceRecord; want: boolean }[] = [
    { name: "not full", record: withFree(5000, { lruTimeMs: NOW - 1000 }), want: true },
    {
      name: "full, LRU age 1 min (≤ 2 × 1 min churn age)",
      record: full({ lruTimeMs: NOW - 60_000 }),
      want: false,
    },
    { name: "full, LRU age exactly 2 min", record: full({ lruTimeMs: NOW - 120_000 }), want: false },
    { name: "full, LRU age just over 2 min", record: full({ lruTimeMs: NOW - 120_001 }), want: true },
  ];
  for (const c of cases) {
    it(`${c.want ? "keeps" : "drops"} the precedence when ${c.name}`, () => {
      expect(newerVersionFirst(c.record, ctx)).toBe(c.want);
    });
  }
});

describe("placementOrderPolicy.explain()", () => {
  it("states the facts the order used", () => {
    const text = placementOrderPolicy.explain({ id: "x", record: full({ lruTimeMs: NOW - 5000 }) }, 2, ctx);
    expect(text).toBe("rank 2: version 1, full (500 units free), 1 models, LRU age 5000 ms");
  });
});
