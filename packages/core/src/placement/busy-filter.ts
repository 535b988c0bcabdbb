import type { OrderedView } from "./ordered-view.js";
import { ageMs } from "./types.js";

const DAY_MS = 86_400_000;
/** Models last used longer ago than this are placed without regard to busyness (§3.4). */
export const BUSY_FILTER_MAX_IDLE_MS = 5 * DAY_MS;
/** Instances below this request rate (per minute) are never considered busy. */
export const BUSY_FILTER_MIN_RPM = 100;

/**
 * The highest request rate (per minute) a candidate may have and stay in the pool, given how
 * long ago the model was used and the pool's `minLoad = max(100, lowest rpm)` (§3.4): 1.1 ×
 * for load-triggered scale-up (last use more than 1 s in the future), 1.5 × when used in the
 * last 5 s, 3 × in the last 12 min, 4 × in the last day, unlimited otherwise.
 */
export function busyLimitRpm(lastUsedAgoMs: number, minLoadRpm: number): number {
  if (lastUsedAgoMs < -1000) return Math.trunc(1.1 * minLoadRpm);
  if (lastUsedAgoMs < 5000) return Math.trunc(1.5 * minLoadRpm);
  if (lastUsedAgoMs < 12 * 60_000) return 3 * minLoadRpm;
  if (lastUsedAgoMs < DAY_MS) return 4 * minLoadRpm;
  return Number.POSITIVE_INFINITY;
}

/** The busy-filter parameters of one pool, for deciding and for explaining. */
export interface BusyLimit {
  readonly lastUsedAgoMs: number;
  readonly minLoadRpm: number;
  readonly limitRpm: number;
}

/** Computes the limit for `pool` (ranks into `view`). */
export function busyLimit(view: OrderedView, pool: readonly number[], lastUsedAgoMs: number): BusyLimit {
  let lowest = Number.POSITIVE_INFINITY;
  for (const rank of pool) lowest = Math.min(lowest, view.at(rank).record.rpm);
  const minLoadRpm = Math.max(BUSY_FILTER_MIN_RPM, lowest);
  const limitRpm =
    lastUsedAgoMs < BUSY_FILTER_MAX_IDLE_MS ? busyLimitRpm(lastUsedAgoMs, minLoadRpm) : Infinity;
  return { lastUsedAgoMs, minLoadRpm, limitRpm };
}

/** Options for {@link applyBusyFilter}. */
export interface BusyFilterOptions {
  readonly view: OrderedView;
  readonly pool: readonly number[];
  readonly lastUsedMs: number;
  readonly nowMs: number;
}

/**
 * Drops busy candidates from a pool of two or more (§3.4), in pool order, never the last one
 * left. Returns the survivors and the limit used; a single candidate is returned as it is.
 */
export function applyBusyFilter(options: BusyFilterOptions): { survivors: number[]; limit?: BusyLimit } {
  const { view, pool } = options;
  if (pool.length < 2) return { survivors: [...pool] };
  const limit = busyLimit(view, pool, ageMs(options.lastUsedMs, options.nowMs));
  const survivors: number[] = [];
  let remaining = pool.length;
  for (let i = 0; i < pool.length; i++) {
    const rank = pool[i] as number;
    const rpm = view.at(rank).record.rpm;
    if (remaining > 1 && rpm >= BUSY_FILTER_MIN_RPM && rpm > limit.limitRpm) {
      remaining--;
      continue;
    }
    survivors.push(rank);
  }
  return { survivors, limit };
}

/** The busy filter as a named, explainable policy. */
export const busyFilterPolicy = {
  name: "busy-filter",
  explain(rpm: number, limit: BusyLimit | undefined, kept: boolean): string {
    if (limit === undefined) return "only candidate: not filtered for busyness";
    if (!Number.isFinite(limit.limitRpm))
      return `model idle for ${limit.lastUsedAgoMs} ms: busyness not considered`;
    return kept
      ? `${rpm} rpm within the limit of ${limit.limitRpm} rpm (min load ${limit.minLoadRpm})`
      : `busy: ${rpm} rpm above the limit of ${limit.limitRpm} rpm (min load ${limit.minLoadRpm})`;
  },
} as const;
