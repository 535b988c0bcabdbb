import { describe, expect, it } from "vitest";
import { createManualClock } from "../ports/clock.js";
import type { SpaceLedger } from "./space-ledger.js";
import { bufferUnits, canClaim, createSpaceLedger } from "./space-ledger.js";
import type { CacheEntry } from "./types.js";
import { WeightedLruCache } from "./weighted-lru-cache.js";

/** Unload-buffer accounting (§4.4) on a 100-unit cache with a 10-unit reserve. */
function setup() {
  const cache = new WeightedLruCache<string>({
    capacityUnits: 100,
    reserveUnits: 10,
    clock: createManualClock(),
  });
  let age = 1000;
  const requested = (id: string, units: number): CacheEntry<string> => {
    const result = cache.insert(id, { data: id, lastUsedMs: 1_000_000 - age-- });
    if (result.kind !== "inserted") throw new Error(`${id}: ${result.kind}`);
    cache.resize(result.entry, units);
    cache.enqueue(result.entry);
    return result.entry;
  };
  const loaded = (id: string, units: number): CacheEntry<string> => {
    const entry = requested(id, units);
    expect(cache.tryStartLoad(entry)).toEqual({ kind: "started" });
    cache.markLoaded(entry, { sizing: true });
    return entry;
  };
  return { cache, requested, loaded };
}

describe("space ledger formulas", () => {
  const ledger = (changes: Partial<SpaceLedger>): SpaceLedger => ({
    ...createSpaceLedger(100, 10),
    ...changes,
  });
  const cases: ReadonlyArray<[string, Partial<SpaceLedger>, number, number, boolean]> = [
    // name, ledger, units to claim, expected buffer, expected canClaim
    ["idle: the buffer is the reserve", { entriesUnits: 50 }, 10, 10, true],
    ["unloads within the reserve still start", { entriesUnits: 80, unloadingUnits: 5 }, 5, 10, true],
    ["unloads beyond the reserve grow the buffer", { entriesUnits: 50, unloadingUnits: 30 }, 20, 30, true],
    [
      "no room once unloads are counted",
      { entriesUnits: 75, unloadingUnits: 30, pendingUnits: 20 },
      20,
      10,
      false,
    ],
    [
      "borrowing never shrinks the buffer below the reserve",
      { entriesUnits: 60, pendingUnits: 40 },
      40,
      10,
      true,
    ],
    ["the buffer never exceeds the capacity", { unloadingUnits: 500 }, 1, 100, false],
  ];
  it.each(cases)("%s", (_name, changes, claim, buffer, claimable) => {
    expect(bufferUnits(ledger(changes))).toBe(buffer);
    expect(canClaim(ledger(changes), claim)).toBe(claimable);
  });
});

describe("WeightedLruCache unload buffer", () => {
  it("keeps a removed model's space taken until its unload completes", () => {
    const { cache, loaded } = setup();
    const a = loaded("a", 30);
    loaded("b", 30);
    expect(cache.remove(a)).toMatchObject({
      weightUnits: 30,
      unloadUnits: 30,
      previousState: { kind: "SIZING" },
    });
    expect(cache.stats()).toMatchObject({
      usedUnits: 30,
      unloadingUnits: 30,
      bufferUnits: 30,
      capacityUnits: 70,
    });
    const outcome = cache.unloadCompleted(30, { succeeded: true });
    expect(outcome).toEqual({ capacityLostUnits: 0, spaceFreed: true, evicted: [] });
    expect(cache.stats()).toMatchObject({
      usedUnits: 30,
      unloadingUnits: 0,
      bufferUnits: 10,
      capacityUnits: 90,
    });
  });

  it("frees a model the runtime no longer holds at once (NOT_FOUND purge)", () => {
    const { cache, loaded } = setup();
    const a = loaded("a", 30);
    expect(cache.remove(a, { alreadyUnloaded: true })).toMatchObject({ unloadUnits: 0 });
    expect(cache.stats()).toMatchObject({ usedUnits: 0, unloadingUnits: 0, capacityUnits: 90 });
  });

  it("makes a load wait while evicted models unload, then lets it start", () => {
    const { cache, loaded, requested } = setup();
    loaded("a", 40);
    loaded("b", 40);
    const c = requested("c", 40);
    expect(c.state.kind).toBe("QUEUED");
    expect(cache.peek("a")).toBeUndefined();
    expect(cache.canStartLoad(c)).toBe(false);
    expect(cache.tryStartLoad(c)).toEqual({ kind: "waiting" });
    expect(cache.tryStartLoad(c)).toEqual({ kind: "waiting" });
    expect(c.state.kind).toBe("WAITING");
    expect(cache.unloadCompleted(40, { succeeded: true }).spaceFreed).toBe(true);
    expect(cache.tryStartLoad(c)).toEqual({ kind: "started" });
    expect(cache.stats()).toMatchObject({ usedUnits: 80, pendingUnits: 0, unloadingUnits: 0 });
  });

  it("turns growth beyond free space into a deficit, repaid by the next unload", () => {
    const { cache, loaded } = setup();
    loaded("a", 40);
    const b = loaded("b", 10);
    const grown = cache.resize(b, 60);
    expect(grown.kind === "resized" && grown.evicted.map((gone) => gone.entry.id)).toEqual(["a"]);
    expect(cache.stats()).toMatchObject({
      usedUnits: 60,
      unloadingUnits: 40,
      deficitUnits: 10,
      bufferUnits: 30,
    });
    const outcome = cache.unloadCompleted(40, { succeeded: true });
    expect(outcome.spaceFreed).toBe(true);
    expect(cache.stats()).toMatchObject({ unloadingUnits: 0, deficitUnits: 0, bufferUnits: 10 });
  });

  it("repays a deficit when a loaded model shrinks", () => {
    const { cache, loaded } = setup();
    loaded("a", 40);
    const b = loaded("b", 10);
    cache.resize(b, 60);
    cache.resize(b, 50);
    expect(cache.stats().deficitUnits).toBe(0);
  });

  it("shrinks the capacity for good when an unload finally fails, evicting if it must", () => {
    const { cache, loaded, requested } = setup();
    const a = loaded("a", 30);
    loaded("b", 30);
    loaded("c", 15);
    cache.remove(a);
    requested("d", 20);
    const outcome = cache.unloadCompleted(30, { succeeded: false });
    expect(outcome.capacityLostUnits).toBe(30);
    expect(outcome.spaceFreed).toBe(false);
    expect(outcome.evicted.map((gone) => gone.entry.id)).toEqual(["b"]);
    expect(cache.stats()).toMatchObject({ totalCapacityUnits: 70, usedUnits: 35 });
  });

  it("rejects reports of unloads it did not ask for", () => {
    const { cache } = setup();
    expect(() => cache.unloadCompleted(5, { succeeded: true })).toThrow(
      expect.objectContaining({ code: "INTERNAL" }),
    );
  });
});
