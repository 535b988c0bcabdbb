/**
 * Tunables of the scaling and expiry rules (§5, §6.4, §9.3), with the original's defaults
 * (§12.3, §12.5). Tests shorten them, as the original's tests do with system properties.
 */
export interface ScalingOptions {
  /** Rate-check period (`tas.ratecheck_freq_ms`). Default 10 s. */
  readonly rateCheckPeriodMs: number;
  /** A prior use at least this long ago can trigger a second copy (`mm.min_second_copy_age_secs`). Default 7 min. */
  readonly secondCopyMinAgeMs: number;
  /** ... and at most this long ago (`mm.max_second_copy_age_secs`). Default 40 min. */
  readonly secondCopyMaxAgeMs: number;
  /** Floor of the "cache is old enough" second-copy threshold. Default 6 h (20 h results from 40 min). */
  readonly secondCopyMinLruAgeMs: number;
  /** Requests per minute per copy that trigger scale-up (`MM_SCALEUP_RPM_THRESHOLD`). Default 2000. */
  readonly scaleUpRpmThreshold: number;
  /** Scale-up copies are loaded with last-used = now + this (a strict placement filter, §3.4). Default 20 s. */
  readonly scaleUpLastUsedAheadMs: number;
  /** 2 → 1 copy scale-down age cap. Default 10 h. */
  readonly secondCopyRemoveMaxAgeMs: number;
  /** Scale down only when the partition's free space is at most this percentage. Default 5. */
  readonly scaleDownMaxFreePercent: number;
  /** ≥ 3 copies: no scale-down within this many rate periods of another unload. Default 8 (80 s). */
  readonly scaleDownUnloadQuietPeriods: number;
  /** ≥ 3 copies: no scale-down within this long of any copy's load. Default 30 min. */
  readonly scaleDownLoadQuietMs: number;
  /** ≥ 3 copies: lower bound of the "recently heavy" age. Default 10 min. */
  readonly scaleDownMinHeavyAgeMs: number;
  /** ≥ 3 copies: upper bound of the "recently heavy" age. Default 5 h. */
  readonly scaleDownMaxHeavyAgeMs: number;
  /** Failure records expire after this (`MM_LOAD_FAILURE_EXPIRY_TIME_MS`). Default 15 min. */
  readonly loadFailureExpiryMs: number;
  /** A model used within this window gets half the failure expiry. Default 3 min. */
  readonly recentUseWindowMs: number;
  /** Proactive loading skips instances with at least this many queued loads per loading thread. Default 50. */
  readonly proactiveBacklogPerThread: number;
  /** Proactive replacement cutoff floor (added to the global LRU). Default 20 min. */
  readonly proactiveMinCutoffAgeMs: number;
}

/** The original's defaults. */
export const defaultScalingOptions: ScalingOptions = Object.freeze({
  rateCheckPeriodMs: 10_000,
  secondCopyMinAgeMs: 420_000,
  secondCopyMaxAgeMs: 2_400_000,
  secondCopyMinLruAgeMs: 6 * 3_600_000,
  scaleUpRpmThreshold: 2000,
  scaleUpLastUsedAheadMs: 20_000,
  secondCopyRemoveMaxAgeMs: 10 * 3_600_000,
  scaleDownMaxFreePercent: 5,
  scaleDownUnloadQuietPeriods: 8,
  scaleDownLoadQuietMs: 1_800_000,
  scaleDownMinHeavyAgeMs: 600_000,
  scaleDownMaxHeavyAgeMs: 18_000_000,
  loadFailureExpiryMs: 900_000,
  recentUseWindowMs: 180_000,
  proactiveBacklogPerThread: 50,
  proactiveMinCutoffAgeMs: 1_200_000,
});

/** Defaults overridden by `overrides`; rejects nothing (callers validate config at the edge). */
export function resolveScalingOptions(overrides: Partial<ScalingOptions> = {}): ScalingOptions {
  return Object.freeze({ ...defaultScalingOptions, ...overrides });
}

/** Free space and age of an instance subset (the whole cluster or a type partition). */
export interface PartitionStats {
  /** Sum of instance capacities (units, buffers excluded). */
  readonly totalCapacityUnits: number;
  /** Sum of free space; full instances count 0 (§4.2). */
  readonly totalFreeUnits: number;
  /** Global LRU: oldest `lruTime` of the live instances (`Number.MAX_SAFE_INTEGER` when all are empty). */
  readonly globalLruMs: number;
}
