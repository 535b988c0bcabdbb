import type { ModelRecord } from "../records/types.js";
import type { PartitionStats, ScalingOptions } from "./options.js";
import { loadedSince } from "./scale-up.js";

/**
 * Scale-down of surplus copies by the janitor (§5.5): only when the partition is nearly full,
 * another live copy exists, and the copy here has not been needed for long enough.
 */

/** Inputs of {@link decideScaleDown}, for one local copy. */
export interface ScaleDownInput {
  /** The model's registry record (this instance holds one of its copies). */
  readonly record: ModelRecord;
  /** Free space and global LRU of this instance's type partition. */
  readonly partition: PartitionStats;
  /** True when another copy is registered on a live instance that is not shutting down. */
  readonly hasOtherLiveCopy: boolean;
  /**
   * Two copies: true when this instance is the less desirable of the two for new placements
   * (ordered later by the placement order, §3.1); only that one removes its copy.
   */
  readonly selfLessDesirable: boolean;
  /** Now, epoch ms. */
  readonly nowMs: number;
  /** Last use of the local copy (epoch ms). */
  readonly lastUsedMs: number;
  /** Last time the copy was heavy (§5.1); 0 = never. */
  readonly lastHeavyMs: number;
  /** Requests per minute to the local copy since the last rate check. */
  readonly recentRpm: number;
  /** Time since the last rate check: the sample `recentRpm` is measured over. */
  readonly rateSampleMs: number;
  /** Scale-up threshold per copy. */
  readonly thresholdRpm: number;
  /** Latency mode: requests queued for the copy; absent in request-count mode. */
  readonly queuedRequests?: number;
}

/** Why a copy stays. */
export type ScaleDownKeepReason =
  | "single-copy"
  | "partition-not-full"
  | "no-other-live-copy"
  | "used-recently"
  | "other-copy-removes"
  | "recent-unload"
  | "recent-load"
  | "recently-heavy"
  | "sample-too-short"
  | "busy";

/** The decision for one copy. */
export type ScaleDownDecision =
  | { readonly remove: true }
  | { readonly remove: false; readonly reason: ScaleDownKeepReason };

const keep = (reason: ScaleDownKeepReason): ScaleDownDecision => ({ remove: false, reason });

/**
 * Decides whether the local copy should go (§5.5). With two copies, a copy unused for a tenth of
 * the cache age (at most 10 h unless the model was heavy within a fifth of it) is removed by the
 * less desirable instance. With three or more, it goes when no copy was unloaded or loaded
 * recently, it has not been heavy for `minAge`, and its current rate is low. `minAge` is 3 % of
 * the global LRU *age* plus 104 s, within 10 min–5 h: the fix of §15.4 item 3 (the original fed
 * the absolute LRU timestamp in, which always gave 5 h).
 */
export function decideScaleDown(input: ScaleDownInput, options: ScalingOptions): ScaleDownDecision {
  const { record, partition, nowMs } = input;
  const copies = Object.keys(record.instanceIds).length;
  if (copies < 2) return keep("single-copy");
  const { totalCapacityUnits: capacity, totalFreeUnits: free } = partition;
  if (capacity <= 0 || Math.floor((free * 100) / capacity) > options.scaleDownMaxFreePercent) {
    return keep("partition-not-full");
  }
  if (!input.hasOtherLiveCopy) return keep("no-other-live-copy");
  const cacheAgeMs = nowMs - partition.globalLruMs;
  return copies === 2
    ? decideSecondCopy(input, cacheAgeMs, options)
    : decideExtraCopy(input, cacheAgeMs, options);
}

function decideSecondCopy(
  input: ScaleDownInput,
  cacheAgeMs: number,
  options: ScalingOptions,
): ScaleDownDecision {
  let removalAgeMs = Math.floor(cacheAgeMs / 10);
  const heavyRecently = input.lastHeavyMs > 0 && input.nowMs - input.lastHeavyMs < cacheAgeMs / 5;
  if (!heavyRecently) removalAgeMs = Math.min(options.secondCopyRemoveMaxAgeMs, removalAgeMs);
  if (input.nowMs - input.lastUsedMs <= removalAgeMs) return keep("used-recently");
  return input.selfLessDesirable ? { remove: true } : keep("other-copy-removes");
}

function decideExtraCopy(
  input: ScaleDownInput,
  cacheAgeMs: number,
  options: ScalingOptions,
): ScaleDownDecision {
  const { record, nowMs } = input;
  const unloadQuietMs = options.scaleDownUnloadQuietPeriods * options.rateCheckPeriodMs;
  if (record.lastUnloadMs > 0 && nowMs - record.lastUnloadMs < unloadQuietMs) return keep("recent-unload");
  if (loadedSince(record, nowMs - options.scaleDownLoadQuietMs)) return keep("recent-load");
  const minAgeMs = clamp(
    Math.floor((3 * cacheAgeMs + 10_400_000) / 100),
    options.scaleDownMinHeavyAgeMs,
    options.scaleDownMaxHeavyAgeMs,
  );
  if (nowMs - input.lastHeavyMs < minAgeMs) return keep("recently-heavy");
  if (input.rateSampleMs < options.rateCheckPeriodMs / 10) return keep("sample-too-short");
  if (input.recentRpm > Math.floor((input.thresholdRpm * 2) / 3)) return keep("busy");
  if ((input.queuedRequests ?? 0) > 1) return keep("busy");
  return { remove: true };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** How much more the janitor may scale down in this run (§4.8 step 3). */
export interface ScaleDownBudget {
  /** Copies removed so far in this run. */
  readonly removedCount: number;
  /** Units that may still be removed. */
  readonly remainingUnits: number;
}

/** A run's budget: 5 % of the local capacity (unload buffer excluded). */
export function createScaleDownBudget(capacityUnits: number): ScaleDownBudget {
  return { removedCount: 0, remainingUnits: Math.floor(capacityUnits / 20) };
}

/** True when a copy of `weightUnits` fits the budget; the first removal of a run always does. */
export function scaleDownBudgetAllows(budget: ScaleDownBudget, weightUnits: number): boolean {
  return budget.removedCount === 0 || weightUnits <= budget.remainingUnits;
}

/** The budget after removing a copy of `weightUnits`. */
export function spendScaleDownBudget(budget: ScaleDownBudget, weightUnits: number): ScaleDownBudget {
  return { removedCount: budget.removedCount + 1, remainingUnits: budget.remainingUnits - weightUnits };
}
