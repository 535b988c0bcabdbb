import { describe, expect, it } from "vitest";
import type { CacheEntryStateKind } from "./entry-state.js";
import { canTransition } from "./entry-state.js";
import {
  checkChurn,
  defaultAssumeLoadedAfterMs,
  defaultMinChurnAgeMs,
  fullThresholdUnits,
  minimumCapacityUnits,
  unloadBufferUnits,
} from "./sizing.js";

const MIB = 128;
const GIB = 1024 * MIB;

describe("minimumCapacityUnits()", () => {
  const cases: ReadonlyArray<[number, number]> = [
    [20 * MIB, 200 * MIB], // 10 × default below 512 MiB
    [50 * MIB, 500 * MIB],
    [100 * MIB, 512 * MIB], // capped at 512 MiB
    [300 * MIB, 600 * MIB], // but never below 2 × default
  ];
  it.each(cases)("default %i units → %i units", (defaultUnits, expected) => {
    expect(minimumCapacityUnits(defaultUnits)).toBe(expected);
  });
});

describe("unloadBufferUnits()", () => {
  const cases: ReadonlyArray<[string, number, number, number, number]> = [
    ["example runtime: 75 MiB", GIB, 6, 50 * MIB, 75 * MIB],
    ["≤ 2 threads divide by 2", GIB, 2, 50 * MIB, 50 * MIB],
    ["at most 10 % of capacity", 200 * MIB, 8, 20 * MIB, 20 * MIB],
    ["at least 1 % of capacity", 100 * GIB, 1, 10 * MIB, 1024 * MIB],
  ];
  it.each(cases)("%s", (_name, capacityUnits, loadingThreads, defaultModelSizeUnits, expected) => {
    expect(unloadBufferUnits({ capacityUnits, loadingThreads, defaultModelSizeUnits })).toBe(expected);
  });
});

describe("fullThresholdUnits()", () => {
  const cases: ReadonlyArray<[string, number, number, boolean, number]> = [
    ["capacity/20 wins over one default", 6, 50 * MIB, true, Math.floor(GIB / 20)],
    ["one default with explicit unloads", 1, 60 * MIB, true, 60 * MIB],
    ["two defaults without explicit unloads", 6, 60 * MIB, false, 120 * MIB],
    ["threads × default when smaller than capacity/20", 1, 20 * MIB, false, 20 * MIB],
  ];
  it.each(cases)("%s", (_name, loadingThreads, defaultModelSizeUnits, explicitUnloads, expected) => {
    const sizing = { capacityUnits: GIB, loadingThreads, defaultModelSizeUnits };
    expect(fullThresholdUnits(sizing, explicitUnloads)).toBe(expected);
  });
});

describe("churn rules", () => {
  it("derive from the load timeout", () => {
    expect(defaultAssumeLoadedAfterMs(90_000)).toBe(30_000);
    expect(defaultAssumeLoadedAfterMs(1_000)).toBe(3_000);
    expect(defaultMinChurnAgeMs(90_000)).toBe(300_000);
  });

  const now = 1_000_000_000;
  const cases: ReadonlyArray<[string, number, number, number, boolean]> = [
    // name, remaining, lru age, churn age, allowed
    ["not full", 10_000, 1_000, 300_000, true],
    ["full with an old LRU entry", 10, 400_000, 300_000, true],
    ["full with a young LRU entry", 10, 1_000, 300_000, false],
    ["guard disabled", 10, 1_000, 0, true],
  ];
  it.each(cases)("checkChurn(): %s", (_name, remainingUnits, ageMs, minChurnAgeMs, allowed) => {
    const decision = checkChurn({
      remainingUnits,
      fullThreshold: 6553,
      lruTimeMs: now - ageMs,
      nowMs: now,
      minChurnAgeMs,
    });
    expect(decision.allowed).toBe(allowed);
  });

  it("checkChurn(): an empty cache never blocks", () => {
    const input = { remainingUnits: 0, fullThreshold: 1, lruTimeMs: Number.MAX_SAFE_INTEGER, nowMs: now };
    expect(checkChurn({ ...input, minChurnAgeMs: 300_000 }).allowed).toBe(true);
  });
});

describe("canTransition()", () => {
  const path: CacheEntryStateKind[] = ["NEW", "QUEUED", "WAITING", "LOADING", "SIZING", "ACTIVE", "REMOVED"];
  it("follows NEW → QUEUED → WAITING → LOADING → SIZING → ACTIVE → REMOVED", () => {
    for (let i = 1; i < path.length; i++)
      expect(canTransition(path[i - 1] ?? "NEW", path[i] ?? "NEW")).toBe(true);
  });

  const forbidden: ReadonlyArray<[CacheEntryStateKind, CacheEntryStateKind]> = [
    ["ACTIVE", "LOADING"],
    ["ACTIVE", "FAILED"],
    ["FAILED", "ACTIVE"],
    ["REMOVED", "NEW"],
    ["WAITING", "QUEUED"],
    ["NEW", "LOADING"],
  ];
  it.each(forbidden)("forbids %s → %s", (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });
});
