import type { PartitionStats, ScalingOptions } from "./options.js";

/**
 * The "two copies for regularly used models" rule (§5.2). A model with one copy gets a second
 * one when it is used and a previous use, as seen by the rate-check task, happened between the
 * minimum and maximum second-copy ages ago (7–40 min by default). Ages are counted in rate-check
 * iterations, so their precision is the rate-check period.
 */

/** The two iteration numbers each single-copy entry remembers (earlier ≤ last). */
export interface UsageIterations {
  /** An earlier rate-check iteration in which the model was used. */
  readonly earlierUseIteration: number;
  /** The last rate-check iteration in which the model was used. */
  readonly lastUseIteration: number;
}

/** A never-used entry (the original starts both at Integer.MIN_VALUE). */
export const NO_USAGE_ITERATIONS: UsageIterations = Object.freeze({
  earlierUseIteration: Number.MIN_SAFE_INTEGER,
  lastUseIteration: Number.MIN_SAFE_INTEGER,
});

/** The second-copy window in iterations. */
export interface SecondCopyWindow {
  /** Minimum age in iterations (`minAge / period`). */
  readonly minAgeIterations: number;
  /** Maximum age in iterations (`maxAge / period`). */
  readonly maxAgeIterations: number;
}

/** The window of `options` in rate-check iterations (7 min / 10 s = 42, 40 min / 10 s = 240). */
export function secondCopyWindow(options: ScalingOptions): SecondCopyWindow {
  return {
    minAgeIterations: Math.floor(options.secondCopyMinAgeMs / options.rateCheckPeriodMs),
    maxAgeIterations: Math.floor(options.secondCopyMaxAgeMs / options.rateCheckPeriodMs),
  };
}

/** Result of {@link observeUse}. */
export interface ObservedUse {
  /** The iterations to remember from now on. */
  readonly usage: UsageIterations;
  /** True when a remembered use falls inside the window: a second copy is wanted. */
  readonly inWindow: boolean;
}

/**
 * Records a use seen in rate-check `iteration` and says whether a remembered earlier use falls
 * `[min, max]` iterations back. The remembered "earlier" use moves to the previous last use when
 * that one is in range or the earlier one is not, as in the original.
 */
export function observeUse(usage: UsageIterations, iteration: number, window: SecondCopyWindow): ObservedUse {
  const lower = iteration - window.maxAgeIterations;
  const upper = iteration - window.minAgeIterations;
  const { earlierUseIteration: earlier, lastUseIteration: last } = usage;
  let earlierInRange = false;
  let lastInRange = false;
  if (last >= lower && earlier <= upper) {
    earlierInRange = earlier >= lower;
    lastInRange = last <= upper;
  }
  return {
    usage: {
      earlierUseIteration: lastInRange || !earlierInRange ? last : earlier,
      lastUseIteration: iteration,
    },
    inWindow: earlierInRange || lastInRange,
  };
}

/**
 * The extra condition for a second copy (§5.2): the partition has at least 10 % free space, or
 * its global LRU is older than `max(30 × maxAge, secondCopyMinLruAge)` (20 h by default), so the
 * 2 → 1 scale-down cutoff (a tenth of the cache age) stays well above the second-copy window.
 */
export function secondCopyAllowed(stats: PartitionStats, nowMs: number, options: ScalingOptions): boolean {
  if (stats.totalCapacityUnits > 0 && 10 * stats.totalFreeUnits >= stats.totalCapacityUnits) return true;
  const lruThresholdMs = Math.max(30 * options.secondCopyMaxAgeMs, options.secondCopyMinLruAgeMs);
  return nowMs - stats.globalLruMs > lruThresholdMs;
}
