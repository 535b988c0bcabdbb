import { describe, expect, it } from "vitest";
import { createSeededRandom } from "../ports/random.js";
import { free, NOW, type PlaceOptions, place } from "./test-support/place.js";
import type { CandidateVerdict } from "./types.js";

const sorted = (ids: readonly string[]) => [...ids].sort();
const verdictOf = (verdicts: readonly CandidateVerdict[], id: string) =>
  verdicts.find((v) => v.instanceId === id);

describe("placeModel() filters (§3.2)", () => {
  const five = { a: free(9000), b: free(8900), c: free(8800), d: free(8700), e: free(8600) };
  const cases: { name: string; options: PlaceOptions; pool: string[]; dropped: Record<string, string> }[] = [
    {
      name: "type constraint keeps only allowed instances",
      options: { instances: five, allowedInstances: new Set(["b", "d"]) },
      pool: ["b", "d"],
      dropped: { a: "type-constraint", c: "type-constraint", e: "type-constraint" },
    },
    {
      name: "miss excludes drop copies, failures, explicit excludes and attempted targets",
      options: {
        instances: five,
        model: { instanceIds: { a: NOW - 1000 }, failedIn: { b: NOW - 2000 } },
        explicitExcludes: new Set(["c"]),
        attempted: new Set(["d"]),
      },
      pool: ["e"],
      dropped: { a: "miss-excludes", b: "miss-excludes", c: "miss-excludes", d: "miss-excludes" },
    },
    {
      name: "liveness drops unreachable peers",
      options: { instances: five, isReachable: (id) => id !== "a" && id !== "c" },
      pool: ["b", "d", "e"],
      dropped: { a: "liveness", c: "liveness" },
    },
    {
      name: "upgrade tracker drops instances of a ReplicaSet being replaced",
      options: {
        instances: { "old123-a": free(9000), "old123-b": free(8800), "new456-c": free(8000) },
        replacedReplicaSets: new Set(["old123"]),
      },
      pool: ["new456-c"],
      dropped: { "old123-a": "upgrade-tracker", "old123-b": "upgrade-tracker" },
    },
    {
      name: "upgrade tracker is not applied when it would leave no candidate",
      options: {
        instances: { "old123-a": free(9000), "old123-b": free(8800) },
        replacedReplicaSets: new Set(["old123"]),
      },
      pool: ["old123-a", "old123-b"],
      dropped: {},
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = place(c.options);
      expect(sorted(result.pool)).toEqual(c.pool);
      const verdicts = result.explain();
      for (const [id, policy] of Object.entries(c.dropped)) {
        expect(verdictOf(verdicts, id)).toMatchObject({ kept: false, policy });
      }
    });
  }

  it("is not fooled by ids that look like Object.prototype members", () => {
    const result = place({ instances: { constructor: free(9000), toString: free(8000) } });
    expect(sorted(result.pool)).toEqual(["constructor", "toString"]);
  });
});

describe("placeModel() decisions", () => {
  it("decides nothing when no candidate is left", () => {
    const result = place({ instances: { a: free(9000) }, explicitExcludes: new Set(["a"]) });
    expect(result.decision).toEqual({ kind: "none" });
    expect(result.pool).toEqual([]);
    expect(result.explain()).toHaveLength(1);
  });

  it("forwards to a remote target, or loads here when the pick is this instance (unbalanced)", () => {
    expect(place({ instances: { a: free(9000), self: free(100) } }).decision).toEqual({
      kind: "forward",
      instanceId: "a",
    });
    expect(place({ instances: { a: free(100), self: free(9000) } }).decision).toEqual({
      kind: "load-local",
      reason: "picked",
    });
  });

  it("draws uniformly at random from the pool with the injected Random", () => {
    const counts = new Map<string, number>();
    const random = createSeededRandom(42);
    for (let i = 0; i < 3000; i++) {
      const decision = place({ instances: { a: free(9000), b: free(9000), c: free(9000) }, random }).decision;
      const id = decision.kind === "forward" ? decision.instanceId : decision.kind;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect(sorted([...counts.keys()])).toEqual(["a", "b", "c"]);
    for (const n of counts.values()) expect(n).toBeGreaterThan(900);
  });

  it("is deterministic for the same input and seed", () => {
    const options = { instances: { a: free(9000), b: free(8000), c: free(7000) }, seed: 7 };
    expect(place(options).decision).toEqual(place(options).decision);
  });

  it("applies the busy filter to the shortlist", () => {
    const result = place({
      instances: { a: free(9000, { rpm: 100 }), b: free(9000, { rpm: 400 }), c: free(9000, { rpm: 250 }) },
      lastUsedMs: NOW - 10_000,
    });
    expect(sorted(result.pool)).toEqual(["a", "c"]);
    expect(verdictOf(result.explain(), "b")).toMatchObject({ kept: false, policy: "busy-filter" });
  });
});

describe("placeModel() explanations", () => {
  it("gives every live instance a verdict, in placement order, kept exactly for the pool", () => {
    const result = place({
      instances: {
        a: free(9000),
        b: free(8500, { rpm: 900 }),
        c: free(8000),
        d: free(1500),
        e: free(500),
        f: free(7000),
        g: free(9500),
        h: free(200, { shutdown: true }),
      },
      allowedInstances: new Set(["a", "b", "c", "d", "e", "f"]),
      model: { failedIn: { f: NOW - 1000 } },
      lastUsedMs: NOW - 1000,
    });
    const verdicts = result.explain();
    expect(verdicts.map((v) => v.instanceId)).toEqual(["g", "a", "b", "c", "f", "d", "e"]);
    expect(verdicts.map((v) => v.rank)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const v of verdicts) {
      expect(v.reason.length).toBeGreaterThan(0);
      expect(v.facts).toMatch(/^rank \d+: version/);
      expect(v.kept).toBe(result.pool.includes(v.instanceId));
    }
    expect(verdictOf(verdicts, "g")).toMatchObject({ policy: "type-constraint" });
    expect(verdictOf(verdicts, "b")).toMatchObject({ policy: "busy-filter" });
    expect(verdictOf(verdicts, "f")).toMatchObject({ policy: "miss-excludes" });
    expect(verdictOf(verdicts, "d")?.reason).toContain("under a quarter");
    expect(verdictOf(verdicts, "e")?.reason).toBe("after the end of the shortlist");
    const picked = verdicts.filter((v) => v.reason.startsWith("drawn at random"));
    expect(picked).toHaveLength(1);
  });
});
