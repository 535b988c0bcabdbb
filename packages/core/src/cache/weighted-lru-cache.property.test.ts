import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createManualClock } from "../ports/clock.js";
import type { CacheEntry, DepartedEntry } from "./types.js";
import { WeightedLruCache } from "./weighted-lru-cache.js";

/**
 * Random sequences of server operations against one cache, checking after every step:
 * - weight never exceeds capacity + buffer (entries + buffer ≤ total capacity);
 * - eviction order equals last-used order (no survivor is older than a victim);
 * - bounded eviction: one insert or resize evicts only entries older than its own, and all
 *   victims but the newest weigh less than its growth (it stops as soon as it fits).
 */

type Op =
  | { readonly op: "insert"; readonly key: number; readonly ageMs: number }
  | { readonly op: "resize"; readonly pick: number; readonly units: number }
  | { readonly op: "start"; readonly pick: number }
  | { readonly op: "loaded"; readonly pick: number; readonly sizing: boolean }
  | { readonly op: "fail"; readonly pick: number }
  | { readonly op: "remove"; readonly pick: number; readonly alreadyUnloaded: boolean }
  | { readonly op: "unload"; readonly pick: number; readonly succeeded: boolean }
  | { readonly op: "touch"; readonly pick: number; readonly ageMs: number }
  | { readonly op: "advance"; readonly ms: number };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("insert"), key: fc.nat(30), ageMs: fc.nat(5000) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("resize"),
      pick: fc.nat(),
      units: fc.integer({ min: 1, max: 60 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("start"), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("loaded"), pick: fc.nat(), sizing: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("fail"), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("remove"), pick: fc.nat(), alreadyUnloaded: fc.boolean() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("unload"),
      pick: fc.nat(),
      succeeded: fc.nat(9).map((n) => n > 0),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("touch"), pick: fc.nat(), ageMs: fc.nat(5000) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("advance"), ms: fc.integer({ min: 1, max: 500 }) }) },
);

/** What one step did: which entry it grew by how much, and what left the cache. */
interface StepEffect {
  readonly subject?: CacheEntry<string>;
  readonly growthUnits: number;
  readonly departed: readonly DepartedEntry<string>[];
  /** True for steps that may evict (growth, or capacity lost to a failed unload). */
  readonly mayEvict: boolean;
}

function run(reserveUnits: number, ops: readonly Op[]): void {
  const clock = createManualClock();
  const cache = new WeightedLruCache<string>({ capacityUnits: 120, reserveUnits, clock });
  const unloads: number[] = [];
  for (const op of ops) {
    const before = cache.entries("lru-first");
    const effect = apply(cache, op, clock.nowMs(), unloads);
    for (const gone of effect.departed) if (gone.unloadUnits > 0) unloads.push(gone.unloadUnits);
    if (op.op === "advance") clock.advance(op.ms);
    check(cache, before, effect);
  }
}

function apply(cache: WeightedLruCache<string>, op: Op, nowMs: number, unloads: number[]): StepEffect {
  const none: StepEffect = { growthUnits: 0, departed: [], mayEvict: false };
  if (op.op === "insert") {
    const result = cache.insert(`m${op.key}`, { data: `m${op.key}`, lastUsedMs: nowMs - op.ageMs });
    return result.kind === "inserted"
      ? { subject: result.entry, growthUnits: 1, departed: result.evicted, mayEvict: true }
      : none;
  }
  if (op.op === "advance") return none;
  if (op.op === "unload") {
    const index = op.pick % Math.max(1, unloads.length);
    const units = unloads.splice(index, 1)[0];
    if (units === undefined) return none;
    const outcome = cache.unloadCompleted(units, { succeeded: op.succeeded });
    return { growthUnits: outcome.capacityLostUnits, departed: outcome.evicted, mayEvict: !op.succeeded };
  }
  const entries = cache.entries("lru-first");
  const entry = entries[op.pick % Math.max(1, entries.length)];
  if (entry === undefined) return none;
  const kind = entry.state.kind;
  switch (op.op) {
    case "resize": {
      if (kind === "FAILED") return none;
      const growthUnits = Math.max(0, op.units - entry.weightUnits);
      const result = cache.resize(entry, op.units);
      return {
        subject: entry,
        growthUnits,
        departed: "evicted" in result ? result.evicted : [],
        mayEvict: true,
      };
    }
    case "start":
      if (kind === "NEW") cache.enqueue(entry);
      if (kind === "NEW" || kind === "QUEUED" || kind === "WAITING") cache.tryStartLoad(entry);
      return none;
    case "loaded":
      if (kind === "LOADING") cache.markLoaded(entry, { sizing: op.sizing });
      else if (kind === "SIZING") cache.markActive(entry);
      return none;
    case "fail":
      if (kind !== "SIZING" && kind !== "ACTIVE" && kind !== "FAILED") cache.fail(entry, "boom");
      return none;
    case "remove": {
      const gone = cache.remove(entry, { alreadyUnloaded: op.alreadyUnloaded });
      return { ...none, departed: gone ? [gone] : [] };
    }
    case "touch":
      cache.touch(entry, nowMs - op.ageMs);
      return none;
  }
}

function check(
  cache: WeightedLruCache<string>,
  before: readonly CacheEntry<string>[],
  effect: StepEffect,
): void {
  const stats = cache.stats();
  const entries = cache.entries("lru-first");
  // Weight never exceeds capacity + buffer.
  expect(stats.usedUnits + stats.bufferUnits).toBeLessThanOrEqual(stats.totalCapacityUnits);
  expect(stats.usedUnits).toBe(entries.reduce((sum, entry) => sum + entry.weightUnits, 0));
  expect(stats.pendingUnits).toBe(entries.reduce((sum, entry) => sum + entry.pendingUnits, 0));
  for (let i = 1; i < entries.length; i++) {
    expect(entries[i - 1]?.lastUsedMs).toBeLessThanOrEqual(entries[i]?.lastUsedMs ?? 0);
  }
  const victims = effect.mayEvict ? effect.departed.filter((gone) => gone.entry !== effect.subject) : [];
  if (!effect.mayEvict) return;
  // Eviction order equals last-used order: victims are the oldest entries, in order.
  const newestVictimMs = Math.max(...victims.map((gone) => gone.entry.lastUsedMs));
  for (const survivor of entries) {
    if (victims.length > 0) expect(survivor.lastUsedMs).toBeGreaterThanOrEqual(newestVictimMs);
  }
  const victimIds = victims.map((gone) => gone.entry.id);
  expect(victimIds).toEqual(before.slice(0, victims.length).map((entry) => entry.id));
  // Bounded eviction: every victim but the newest was needed for this step's growth.
  if (victims.length > 0) {
    const total = victims.reduce((sum, gone) => sum + gone.weightUnits, 0);
    expect(total - (victims.at(-1)?.weightUnits ?? 0)).toBeLessThan(effect.growthUnits);
  }
  // A subject that fell through took nothing else with it.
  if (effect.subject?.state.kind === "REMOVED") expect(victims).toEqual([]);
}

describe("WeightedLruCache properties", () => {
  it("never exceeds capacity + buffer, evicts in last-used order, and evicts only what it needs", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 24 }),
        fc.array(opArbitrary, { minLength: 20, maxLength: 120, size: "max" }),
        run,
      ),
      { numRuns: 250 },
    );
  });

  it("drains back to an empty ledger once everything is removed and unloaded", () => {
    fc.assert(
      fc.property(fc.array(opArbitrary, { minLength: 20, maxLength: 120, size: "max" }), (ops) => {
        const clock = createManualClock();
        const cache = new WeightedLruCache<string>({ capacityUnits: 200, reserveUnits: 20, clock });
        const unloads: number[] = [];
        for (const op of ops) {
          const effect = apply(cache, op, clock.nowMs(), unloads);
          for (const gone of effect.departed) if (gone.unloadUnits > 0) unloads.push(gone.unloadUnits);
        }
        for (const entry of cache.entries("lru-first")) {
          const gone = cache.remove(entry);
          if (gone && gone.unloadUnits > 0) unloads.push(gone.unloadUnits);
        }
        for (const units of unloads) cache.unloadCompleted(units, { succeeded: true });
        expect(cache.stats()).toMatchObject({
          count: 0,
          usedUnits: 0,
          pendingUnits: 0,
          unloadingUnits: 0,
          deficitUnits: 0,
          bufferUnits: 20,
        });
      }),
      { numRuns: 100 },
    );
  });
});
