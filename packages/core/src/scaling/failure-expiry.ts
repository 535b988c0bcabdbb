import type { ScalingOptions } from "./options.js";

/**
 * Expiry of load-failure records (§6.4): after `loadFailureExpiryMs` (15 min), or half that for
 * a model used within `recentUseWindowMs` (3 min), a failure record is dropped so the next
 * request loads again.
 */

/** The shorter expiry for models in use; also the age below which failures count as "recent" (§2.3). */
export function inUseFailureExpiryMs(options: ScalingOptions): number {
  return Math.floor(options.loadFailureExpiryMs / 2);
}

/**
 * Expiry for a failure of a model last used at `lastUsedMs` (0 or negative = unknown / not cached).
 */
export function failureExpiryMs(lastUsedMs: number, nowMs: number, options: ScalingOptions): number {
  const inUse = lastUsedMs > 0 && nowMs - lastUsedMs < options.recentUseWindowMs;
  return inUse ? inUseFailureExpiryMs(options) : options.loadFailureExpiryMs;
}

/** Inputs of {@link isFailureExpired}. */
export interface FailureAge {
  /** When the failure was recorded (`failedIn` value). */
  readonly failedAtMs: number;
  /** Last use of the model's local entry; 0 when not cached here. */
  readonly lastUsedMs: number;
  /** Now, epoch ms. */
  readonly nowMs: number;
}

/** True when the failure record has outlived its expiry. */
export function isFailureExpired(age: FailureAge, options: ScalingOptions): boolean {
  return age.nowMs - age.failedAtMs > failureExpiryMs(age.lastUsedMs, age.nowMs, options);
}
