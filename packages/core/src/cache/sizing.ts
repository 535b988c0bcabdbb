/**
 * Sizing rules of the local cache, from the runtime's reported capacity, default model size and
 * loading concurrency (§4.1, §4.2, §4.4, §4.5). All sizes are in 8 KiB units.
 */

/** 512 MiB in units: the upper end of the minimum-capacity rule (§4.1). */
const HALF_GIB_UNITS = 65_536;

/** The runtime figures the rules derive from. */
export interface RuntimeSizing {
  /** Total runtime capacity in units. */
  readonly capacityUnits: number;
  /** Loading concurrency (the runtime's `maxLoadingConcurrency`, ≥ 1). */
  readonly loadingThreads: number;
  /** The runtime's default model size in units. */
  readonly defaultModelSizeUnits: number;
}

/**
 * Smallest capacity a runtime may report (§4.1): `max(2 × default, min(512 MiB, 10 × default))`.
 * Startup must fail below it.
 */
export function minimumCapacityUnits(defaultModelSizeUnits: number): number {
  return Math.max(2 * defaultModelSizeUnits, Math.min(HALF_GIB_UNITS, 10 * defaultModelSizeUnits));
}

/**
 * The unload buffer's reserve R (§4.4):
 * `clamp(threads × default / (threads ≤ 2 ? 2 : 4), capacity / 100, capacity / 10)`.
 * 1 GiB, 50 MiB default, 6 threads → 9,600 units (75 MiB).
 */
export function unloadBufferUnits(sizing: RuntimeSizing): number {
  const { capacityUnits, loadingThreads, defaultModelSizeUnits } = sizing;
  const wanted = Math.floor((loadingThreads * defaultModelSizeUnits) / (loadingThreads <= 2 ? 2 : 4));
  return Math.max(Math.min(wanted, Math.floor(capacityUnits / 10)), Math.floor(capacityUnits / 100));
}

/**
 * The "full" threshold `minSpaceUnits` (§4.2): an instance is full when its remaining space is
 * below `max(default × k, min(default × threads, capacity / 20))`, where k = 1 with explicit
 * unloads (always, for a sidecar runtime) or a single loading thread, else 2.
 */
export function fullThresholdUnits(sizing: RuntimeSizing, explicitUnloads = true): number {
  const { capacityUnits, loadingThreads, defaultModelSizeUnits } = sizing;
  const k = explicitUnloads || loadingThreads <= 1 ? 1 : 2;
  const target = Math.min(defaultModelSizeUnits * loadingThreads, Math.floor(capacityUnits / 20));
  return Math.max(defaultModelSizeUnits * k, target);
}

/** True when `remainingUnits` is below the full threshold (§4.2). */
export function isFull(remainingUnits: number, fullThreshold: number): boolean {
  return remainingUnits < fullThreshold;
}

/** Default "assume loaded after" time (§6.5): `max(3 s, loadTimeout / 3)`. */
export function defaultAssumeLoadedAfterMs(loadTimeoutMs: number): number {
  return Math.max(3000, Math.floor(loadTimeoutMs / 3));
}

/**
 * Default churn age (§4.5, `tas.min_churn_age_ms`): 10 × the default assume-loaded time, e.g.
 * 5 min for a 90 s load timeout.
 */
export function defaultMinChurnAgeMs(loadTimeoutMs: number): number {
  return 10 * defaultAssumeLoadedAfterMs(loadTimeoutMs);
}

/** Inputs of {@link checkChurn}. */
export interface ChurnInput {
  /** Free space: capacity minus used, unload buffer excluded. */
  readonly remainingUnits: number;
  /** The full threshold, see {@link fullThresholdUnits}. */
  readonly fullThreshold: number;
  /** Last-used time of the local cache's oldest entry (`Number.MAX_SAFE_INTEGER` when empty). */
  readonly lruTimeMs: number;
  /** Now, epoch ms. */
  readonly nowMs: number;
  /** Minimum churn age; 0 disables the guard. */
  readonly minChurnAgeMs: number;
}

/** Outcome of the churn guard. */
export type ChurnDecision =
  | { readonly allowed: true }
  /** Reject the load with ModelLoadException "Cache churn threshold exceeded" (§2.3 step 5). */
  | { readonly allowed: false; readonly oldestAgeMs: number };

/**
 * The churn guard (§4.5): a full instance whose own oldest entry is younger than the churn age
 * refuses new loads rather than thrash.
 */
export function checkChurn(input: ChurnInput): ChurnDecision {
  if (input.minChurnAgeMs <= 0 || !isFull(input.remainingUnits, input.fullThreshold))
    return { allowed: true };
  if (input.lruTimeMs < 0 || input.lruTimeMs >= Number.MAX_SAFE_INTEGER) return { allowed: true };
  const oldestAgeMs = input.nowMs - input.lruTimeMs;
  return oldestAgeMs < input.minChurnAgeMs ? { allowed: false, oldestAgeMs } : { allowed: true };
}
