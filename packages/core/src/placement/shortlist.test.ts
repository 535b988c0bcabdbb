import { describe, expect, it } from "vitest";
import { free, NOW, type PlaceOptions, place } from "./test-support/place.js";

const HOUR = 3_600_000;
const sorted = (ids: readonly string[]) => [...ids].sort();

interface Case {
  readonly name: string;
  readonly options: PlaceOptions;
  /** Expected pool (sorted), or "self" when this instance must be chosen at once. */
  readonly want: readonly string[] | "self";
}

const full = (lruAgoMs: number, more = {}) => free(500, { count: 9, lruTimeMs: NOW - lruAgoMs, ...more });

describe("shortlist (§3.3)", () => {
  const cases: Case[] = [
    {
      name: "best not full: stops at the first candidate with under a quarter of best's free units",
      options: { instances: { a: free(8000), b: free(6000), c: free(1900), d: free(1950) } },
      want: ["a", "b"],
    },
    {
      name: "best not full: stops at the first full candidate",
      options: { instances: { a: free(8000), b: free(2500), c: full(HOUR) } },
      want: ["a", "b"],
    },
    {
      name: "best not full: stops at ≥ 10 models and more than 1.25 × best's count",
      options: {
        instances: {
          a: free(8000, { count: 9 }),
          b: free(8000, { count: 11 }),
          c: free(9000, { count: 12 }),
        },
      },
      want: ["a", "b"],
    },
    {
      name: "best full: keeps LRU within 45 s, or within a tenth of best's LRU age",
      options: {
        instances: {
          a: full(10 * HOUR),
          b: full(10 * HOUR - 30_000),
          c: full(10 * HOUR - 300_000),
          d: full(HOUR),
        },
      },
      want: ["a", "b", "c"],
    },
    {
      name: "best full and recent: the 45 s absolute window applies",
      options: { instances: { a: full(60_000), b: full(20_000), c: full(10_000) } },
      want: ["a", "b"],
    },
    {
      name: "balanced source: this instance is chosen when it is the best",
      options: { instances: { self: free(9000), a: free(8000) }, balanced: true },
      want: "self",
    },
    {
      name: "balanced source: this instance is chosen when it is among the best",
      options: { instances: { a: free(9000), self: free(8000), b: free(7000) }, balanced: true },
      want: "self",
    },
    {
      name: "balanced source: not chosen when beyond the shortlist",
      options: { instances: { a: free(9000), self: free(1500) }, balanced: true },
      want: ["a"],
    },
    {
      name: "preference (a): the first preferred instance before a full one becomes the best",
      options: {
        instances: {
          a: free(9000),
          b: free(8500),
          c: free(8000),
          d: free(7000),
          e: free(6000),
          f: full(HOUR),
        },
        preferredInstances: new Set(["c", "e", "f"]),
      },
      want: ["c", "e"],
    },
    {
      name: "preference (a): no preferred instance before a full one, preference dropped",
      options: {
        instances: { a: free(9000), b: free(8500), c: full(HOUR), d: full(HOUR - 1000) },
        preferredInstances: new Set(["d"]),
      },
      want: ["a", "b"],
    },
    {
      name: "preference (b): only the preferred instances in the LRU window",
      options: {
        instances: {
          a: full(10 * HOUR),
          b: full(10 * HOUR - 60_000),
          c: full(10 * HOUR - 90_000),
          d: full(10 * HOUR - 100_000),
          e: full(HOUR),
        },
        preferredInstances: new Set(["b", "d", "e"]),
      },
      want: ["b", "d"],
    },
    {
      name: "preference (b): window is at least 120 s for a recent best",
      options: {
        instances: { a: full(200_000), b: full(90_000), c: full(70_000) },
        preferredInstances: new Set(["b", "c"]),
      },
      want: ["b"],
    },
    {
      name: "preference (b): no preferred instance in the window, preference dropped",
      options: {
        instances: { a: full(10 * HOUR), b: full(10 * HOUR - 30_000), c: full(HOUR) },
        preferredInstances: new Set(["c"]),
      },
      want: ["a", "b"],
    },
    {
      name: "preference (b): a preferred self in the window is chosen for a balanced source",
      options: {
        instances: { a: full(10 * HOUR), self: full(10 * HOUR - 60_000) },
        preferredInstances: new Set(["self"]),
        balanced: true,
      },
      want: "self",
    },
    {
      name: "best preferred: non-preferred instances are never shortlisted",
      options: {
        instances: { a: free(9000), b: free(8500), c: free(8000) },
        preferredInstances: new Set(["a", "c"]),
      },
      want: ["a", "c"],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = place(c.options);
      if (c.want === "self") {
        expect(result.decision).toEqual({ kind: "load-local", reason: "balanced-self" });
        expect(result.pool).toEqual(["self"]);
      } else {
        expect(sorted(result.pool)).toEqual(c.want);
      }
    });
  }
});

describe("each candidate is judged by its own record (§15.4 item 1)", () => {
  // The original evaluated the space checks of every other candidate with this instance's
  // fresh record. Here self is excluded as a target, and its record would flip the outcome.
  it("stops at a candidate with little space even when this instance has plenty", () => {
    const result = place({
      instances: { self: free(9500), a: free(8000), b: free(1500) },
      explicitExcludes: new Set(["self"]),
    });
    expect(result.pool).toEqual(["a"]);
  });

  it("keeps a roomy candidate even when this instance is full", () => {
    const result = place({
      instances: { a: free(8000), b: free(7000) },
      selfRecord: free(100),
      explicitExcludes: new Set(["self"]),
    });
    expect(sorted(result.pool)).toEqual(["a", "b"]);
  });
});
