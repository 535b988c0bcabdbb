import { describe, expect, it } from "vitest";
import { createManualClock } from "../ports/clock.js";
import { unloadBufferUnits } from "./sizing.js";
import { CacheDriver, MIB } from "./test-support/cache-driver.js";
import { WeightedLruCache } from "./weighted-lru-cache.js";

/**
 * The pure parts of the original's eviction tests (§14), with the same numbers.
 */

const HOUR = 3_600_000;

/** EvictionsModelMeshTest: 1 GiB runtime, 50 MiB default size, 6 loading threads, 1 s unloads. */
function exampleRuntime() {
  const clock = createManualClock();
  const sizing = { capacityUnits: 1024 * MIB, loadingThreads: 6, defaultModelSizeUnits: 50 * MIB };
  const cache = new WeightedLruCache<string>({ ...sizing, reserveUnits: unloadBufferUnits(sizing), clock });
  // 200 ms pause before unloading an ACTIVE model plus the runtime's 1 s unload (§6.7).
  const driver = new CacheDriver(cache, clock, 1200);
  /** registerModel with loadNow: last used "now − 1 h" (§4.7), 20 ms loads, 10 ms apart. */
  const register = (id: string, realUnits = 50 * MIB) => {
    const report = driver.load(id, { predictedUnits: 50 * MIB, realUnits, lastUsedMs: clock.nowMs() - HOUR });
    driver.advance(20);
    return report;
  };
  const fill18 = () => {
    for (let i = 0; i < 18; i++) {
      expect(register(`myModel${i}`)).toEqual({ outcome: "loaded", evicted: [] });
      driver.advance(10);
    }
  };
  return { clock, cache, driver, register, fill18 };
}

describe("EvictionsModelMeshTest (pure port)", () => {
  it("reserves 75 MiB for unloads: effective capacity 949 MiB, 18 models fit", () => {
    const { cache, fill18 } = exampleRuntime();
    expect(cache.stats()).toMatchObject({ reserveUnits: 75 * MIB, capacityUnits: 949 * MIB });
    fill18();
    expect(cache.stats()).toMatchObject({ count: 18, usedUnits: 900 * MIB, capacityUnits: 949 * MIB });
  });

  it("basicEvictionTest: the 19th evicts exactly the oldest and starts at once; the next waits for an unload", () => {
    const { cache, driver, register, fill18 } = exampleRuntime();
    fill18();

    // 950 MiB > 949 MiB: the oldest goes; the unload buffer absorbs it, so the load starts now.
    expect(register("myModel18")).toEqual({ outcome: "loaded", evicted: ["myModel0"] });
    expect(cache.peek("myModel0")).toBeUndefined();
    expect(cache.peek("myModel1")?.state.kind).toBe("ACTIVE");

    // Still fits while myModel0 unloads (two unloads in flight fit in the whole capacity).
    expect(register("myModel19")).toEqual({ outcome: "loaded", evicted: ["myModel1"] });
    expect(cache.peek("myModel2")?.state.kind).toBe("ACTIVE");

    // A third eviction with both unloads still in flight: this load waits for myModel0's unload.
    expect(register("myModel20")).toEqual({ outcome: "waiting", evicted: ["myModel2"] });
    expect(cache.peek("myModel20")?.state.kind).toBe("WAITING");
    // myModel0 began unloading three 20 ms loads ago and takes 1,200 ms: nothing changes before then.
    driver.advance(1200 - 3 * 20 - 1);
    expect(cache.peek("myModel20")?.state.kind).toBe("WAITING");
    driver.advance(1);
    expect(cache.peek("myModel20")?.state.kind).toBe("ACTIVE");

    // ensureLoaded of the evicted myModel0 (last used now) evicts myModel3.
    expect(driver.load("myModel0", { predictedUnits: 50 * MIB }).evicted).toEqual(["myModel3"]);
    driver.advance(20);

    // A model predicted at 50 MiB that sizes to 160 MiB evicts myModel4 on insert (then waits, as
    // the reference's sync registration does, for earlier unloads), and 5 and 6 after sizing.
    const before = driver.evictedIds.length;
    expect(register("myModel21_BIG", 160 * MIB)).toEqual({ outcome: "waiting", evicted: ["myModel4"] });
    driver.advance(1200);
    expect(driver.evictedIds.slice(before)).toEqual(["myModel4", "myModel5", "myModel6"]);
    for (const id of ["myModel7", "myModel17", "myModel18", "myModel20", "myModel0", "myModel21_BIG"]) {
      expect(cache.peek(id)?.state.kind, id).toBe("ACTIVE");
    }
    expect(cache.stats().usedUnits + cache.stats().bufferUnits).toBeLessThanOrEqual(1024 * MIB);
  });

  it("concurrentEvictionTest: 10 simultaneous loads into a full cache evict exactly the 10 oldest", () => {
    const { cache, driver, clock, fill18 } = exampleRuntime();
    fill18();
    const lastUsedMs = clock.nowMs() - HOUR;
    // All ten placeholders first, then all ten predictions, then all ten starts: the worst interleaving.
    const entries = Array.from({ length: 10 }, (_, i) => {
      const inserted = cache.insert(`myModel${18 + i}`, { data: `myModel${18 + i}`, lastUsedMs });
      if (inserted.kind !== "inserted") throw new Error("insert failed");
      expect(inserted.evicted).toEqual([]);
      return inserted.entry;
    });
    const evicted = entries.flatMap((entry) => {
      const resized = cache.resize(entry, 50 * MIB);
      if (resized.kind !== "resized") throw new Error(`resize ${resized.kind}`);
      return resized.evicted.map((gone) => gone.entry.id);
    });
    expect(evicted).toEqual(Array.from({ length: 10 }, (_, i) => `myModel${i}`));
    for (const entry of entries) cache.enqueue(entry);
    const started = entries.filter((entry) => cache.tryStartLoad(entry).kind === "started").length;
    // Only as many start as the memory left by the ten unloads in flight allows; the rest wait.
    expect(started).toBeGreaterThan(0);
    expect(started).toBeLessThan(10);
    for (let i = 10; i < 18; i++) expect(cache.peek(`myModel${i}`)?.state.kind).toBe("ACTIVE");
    expect(driver.evictedIds).toEqual([]);
  });
});

describe("ModelMeshEvictionsTest standalone (pure port)", () => {
  /** The in-process dummy loader: capacity 10 × 20 MiB, 20 MiB default, 8 loading threads. */
  function dummyRuntime() {
    const clock = createManualClock();
    const sizing = { capacityUnits: 200 * MIB, loadingThreads: 8, defaultModelSizeUnits: 20 * MIB };
    const cache = new WeightedLruCache<string>({ ...sizing, reserveUnits: unloadBufferUnits(sizing), clock });
    return { clock, cache, driver: new CacheDriver(cache, clock, 80) };
  }

  it("keeps loads within capacity; overflow evicts the oldest (10 % unload buffer accounted)", () => {
    const { cache, driver } = dummyRuntime();
    expect(cache.stats().reserveUnits).toBe(20 * MIB);
    for (let i = 0; i < 9; i++) {
      expect(driver.load(`m${i}`, { predictedUnits: 20 * MIB }).evicted).toEqual([]);
      driver.advance(5);
    }
    expect(driver.load("m9", { predictedUnits: 20 * MIB }).evicted).toEqual(["m0"]);
    driver.advance(5);
    expect(driver.load("m10", { predictedUnits: 20 * MIB }).evicted).toEqual(["m1"]);
  });

  it("a 4×-size model (size known only after load) displaces 4 older models, no cascade", () => {
    const { cache, driver } = dummyRuntime();
    for (let i = 0; i < 9; i++) {
      driver.load(`m${i}`, { predictedUnits: 20 * MIB });
      driver.advance(5);
    }
    expect(driver.load("big", { predictedUnits: 20 * MIB, realUnits: 80 * MIB })).toEqual({
      outcome: "loaded",
      evicted: ["m0", "m1", "m2", "m3"],
    });
    expect(cache.entries("lru-first").map((entry) => entry.id)).toEqual([
      "m4",
      "m5",
      "m6",
      "m7",
      "m8",
      "big",
    ]);
    driver.advance(1000);
    expect(driver.unloadsInFlight).toBe(0);
    expect(cache.stats()).toMatchObject({ unloadingUnits: 0, deficitUnits: 0, usedUnits: 180 * MIB });
  });
});
