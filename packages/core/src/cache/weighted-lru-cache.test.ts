import { describe, expect, it } from "vitest";
import { hasMeshErrorCode } from "../errors.js";
import { createManualClock } from "../ports/clock.js";
import type { CacheEntry } from "./types.js";
import { WeightedLruCache } from "./weighted-lru-cache.js";

const T0 = 1_700_000_000_000;

function setup(capacityUnits = 100, reserveUnits = 10) {
  const clock = createManualClock(T0);
  const cache = new WeightedLruCache<string>({ capacityUnits, reserveUnits, clock });
  /** Inserts and fully loads an entry of `units` at `lastUsedMs`. */
  const loaded = (id: string, units: number, lastUsedMs = 0): CacheEntry<string> => {
    const result = cache.insert(id, { data: id, lastUsedMs });
    if (result.kind !== "inserted") throw new Error(`${id}: ${result.kind}`);
    cache.resize(result.entry, units);
    cache.enqueue(result.entry);
    expect(cache.tryStartLoad(result.entry)).toEqual({ kind: "started" });
    cache.markLoaded(result.entry, { sizing: false });
    return result.entry;
  };
  const ids = (order: "lru-first" | "mru-first" = "lru-first") =>
    cache.entries(order).map((entry) => entry.id);
  return { clock, cache, loaded, ids };
}

describe("WeightedLruCache ordering", () => {
  it("positions entries by absolute last-used time, not insertion order", () => {
    const { cache, ids } = setup();
    const times: ReadonlyArray<[string, number]> = [
      ["c", T0 - 100],
      ["a", T0 - 300],
      ["now", 0],
      ["b", T0 - 200],
      ["b2", T0 - 200],
    ];
    for (const [id, lastUsedMs] of times) cache.insert(id, { data: id, lastUsedMs });
    expect(ids()).toEqual(["a", "b", "b2", "c", "now"]);
    expect(ids("mru-first")).toEqual(["now", "c", "b2", "b", "a"]);
    expect(cache.stats().lruTimeMs).toBe(T0 - 300);
  });

  it("touch never moves backwards; peek does not touch; get touches to now", () => {
    const { clock, cache, ids } = setup();
    cache.insert("a", { data: "a", lastUsedMs: T0 - 300 });
    cache.insert("b", { data: "b", lastUsedMs: T0 - 200 });
    expect(cache.touch("b", T0 - 500)).toBe(true);
    expect(cache.peek("b")?.lastUsedMs).toBe(T0 - 200);
    expect(cache.touch("a", T0 - 100)).toBe(true);
    expect(ids()).toEqual(["b", "a"]);
    clock.advance(50);
    expect(cache.peek("b")?.lastUsedMs).toBe(T0 - 200);
    expect(cache.get("b")?.lastUsedMs).toBe(T0 + 50);
    expect(ids()).toEqual(["a", "b"]);
    expect(cache.touch("missing", 0)).toBe(false);
  });

  it("lists entries used after a cutoff, newest first", () => {
    const { cache } = setup();
    for (const [id, age] of [
      ["x", 30],
      ["y", 20],
      ["z", 10],
    ] as const) {
      cache.insert(id, { data: id, lastUsedMs: T0 - age });
    }
    expect(cache.entriesUsedSince(T0 - 25).map((entry) => entry.id)).toEqual(["z", "y"]);
  });

  it("reports an empty cache's LRU time as MAX_SAFE_INTEGER", () => {
    expect(setup().cache.stats()).toMatchObject({
      count: 0,
      usedUnits: 0,
      lruTimeMs: Number.MAX_SAFE_INTEGER,
    });
  });
});

describe("WeightedLruCache eviction", () => {
  it("evicts from the oldest end only as far as needed", () => {
    const { cache, loaded, ids } = setup(100, 10);
    loaded("a", 25, T0 - 300);
    loaded("b", 25, T0 - 200);
    loaded("c", 25, T0 - 100);
    const result = cache.insert("d", { data: "d" });
    expect(result.kind).toBe("inserted");
    if (result.kind !== "inserted") return;
    expect(result.evicted).toEqual([]);
    const grown = cache.resize(result.entry, 30);
    expect(grown).toMatchObject({ kind: "resized" });
    expect(
      grown.kind === "resized" && grown.evicted.map((gone) => [gone.entry.id, gone.unloadUnits]),
    ).toEqual([["a", 25]]);
    expect(ids()).toEqual(["b", "c", "d"]);
  });

  it("rejects an entry older than everything in a full cache and evicts nothing (fall-through)", () => {
    const { cache, loaded } = setup(100, 10);
    for (const [id, age] of [
      ["a", 300],
      ["b", 200],
      ["c", 100],
    ] as const)
      loaded(id, 30, T0 - age);
    const before = cache.stats();
    expect(cache.insert("old", { data: "old", lastUsedMs: T0 - 1000 })).toEqual({ kind: "fell-through" });
    expect(cache.fits(1, T0 - 1000)).toBe(false);
    expect(cache.fits(1, T0)).toBe(true);
    expect(cache.stats()).toEqual(before);
  });

  it("a growing entry that could only fit by evicting newer entries is itself evicted", () => {
    const { cache, loaded, ids } = setup(100, 10);
    const old = loaded("old", 10, T0 - 500);
    loaded("b", 30, T0 - 200);
    loaded("c", 30, T0 - 100);
    const result = cache.resize(old, 50);
    expect(result.kind).toBe("fell-through");
    expect(result.kind === "fell-through" && result.evicted.map((gone) => gone.entry.id)).toEqual(["old"]);
    expect(old.state.kind).toBe("REMOVED");
    expect(ids()).toEqual(["b", "c"]);
  });
});

describe("WeightedLruCache entry life cycle", () => {
  it("failed entries weigh 1 unit, whether the load started or not", () => {
    const { cache } = setup(100, 10);
    const first = cache.insert("a", { data: "a" });
    if (first.kind !== "inserted") throw new Error(first.kind);
    const started = first.entry;
    cache.resize(started, 40);
    cache.enqueue(started);
    expect(cache.tryStartLoad(started)).toEqual({ kind: "started" });
    const inserted = cache.insert("b", { data: "b" });
    if (inserted.kind !== "inserted") throw new Error(inserted.kind);
    cache.resize(inserted.entry, 20);
    expect(cache.fail(started, "boom")).toBe(true);
    expect(cache.fail(inserted.entry, "queued boom")).toBe(true);
    expect(started.state).toEqual({ kind: "FAILED", sinceMs: T0, message: "boom" });
    expect(cache.stats()).toMatchObject({ usedUnits: 2, pendingUnits: 0, deficitUnits: 0 });
  });

  it("insertFailed adds a failed placeholder of weight 1", () => {
    const { cache } = setup();
    const result = cache.insertFailed("kv", { data: "kv", message: "KV store failure" });
    expect(result.kind === "inserted" && result.entry.state.kind).toBe("FAILED");
    expect(cache.stats().usedUnits).toBe(1);
  });

  const illegal: ReadonlyArray<
    [string, (cache: WeightedLruCache<string>, entry: CacheEntry<string>) => unknown]
  > = [
    ["NEW → LOADING", (cache, entry) => cache.tryStartLoad(entry)],
    ["NEW → ACTIVE", (cache, entry) => cache.markLoaded(entry, { sizing: false })],
    ["NEW → ACTIVE via markActive", (cache, entry) => cache.markActive(entry)],
    ["FAILED → FAILED", (cache, entry) => cache.fail(entry, "x") && cache.fail(entry, "y")],
    ["resizing a failed entry", (cache, entry) => cache.fail(entry, "x") && cache.resize(entry, 5)],
    ["a zero weight", (cache, entry) => cache.resize(entry, 0)],
    ["a fractional weight", (cache, entry) => cache.resize(entry, 1.5)],
  ];
  it.each(illegal)("rejects %s with an INTERNAL MeshError", (_name, act) => {
    const { cache } = setup();
    const result = cache.insert("a", { data: "a" });
    if (result.kind !== "inserted") throw new Error(result.kind);
    expect(() => act(cache, result.entry)).toThrow(expect.objectContaining({ code: "INTERNAL" }));
  });

  it("ignores stale handles: operations on a removed entry leave its successor alone", () => {
    const { cache } = setup();
    const first = cache.insert("a", { data: "first" });
    if (first.kind !== "inserted") throw new Error(first.kind);
    expect(cache.remove(first.entry)).toMatchObject({ weightUnits: 1, unloadUnits: 0 });
    const second = cache.insert("a", { data: "second" });
    expect(second.kind).toBe("inserted");
    expect(cache.insert("a", { data: "third" })).toMatchObject({ kind: "exists" });
    expect(cache.remove(first.entry)).toBeUndefined();
    expect(cache.resize(first.entry, 5)).toEqual({ kind: "not-in-cache" });
    expect(cache.tryStartLoad(first.entry)).toEqual({ kind: "not-in-cache" });
    expect(cache.fail(first.entry, "x")).toBe(false);
    expect(cache.peek("a")?.data).toBe("second");
  });

  it("validates its options", () => {
    const clock = createManualClock();
    const bad = [
      { capacityUnits: 0, clock },
      { capacityUnits: 10.5, clock },
      { capacityUnits: 10, reserveUnits: 11, clock },
      { capacityUnits: 10, reserveUnits: -1, clock },
    ];
    for (const options of bad) {
      let thrown: unknown;
      try {
        new WeightedLruCache(options);
      } catch (error) {
        thrown = error;
      }
      expect(hasMeshErrorCode(thrown, "INVALID_ARGUMENT")).toBe(true);
    }
  });
});
