import { defaultMinChurnAgeMs } from "@modelmesh/core";
import type { MeshTimings } from "../model-mesh.js";

/** Every timing of one mesh instance, defaults applied (§12.3, §12.5 of the behaviour reference). */
export interface ResolvedTimings {
  readonly janitorIntervalMs: number;
  /** First janitor run after start (the original: 1 s). */
  readonly janitorFirstRunMs: number;
  readonly rateCheckIntervalMs: number;
  readonly instancePublishIntervalMs: number;
  readonly instancePublishMinIntervalMs: number;
  /** Publish any change once nothing was published for this long (160 s). */
  readonly instancePublishForceAfterMs: number;
  readonly loadFailureExpiryMs: number;
  readonly reaperIntervalMs: number;
  /** First leader-duty run after gaining leadership (2 min). */
  readonly reaperFirstRunMs: number;
  /** First rate check after start (5 s). */
  readonly rateCheckFirstRunMs: number;
  readonly assumeInstanceGoneAfterMs: number;
  readonly minSecondCopyAgeMs: number;
  readonly maxSecondCopyAgeMs: number;
  readonly minChurnAgeMs: number;
  /** Longest wait for unload-buffer space before a load starts (3 min). */
  readonly spaceWaitMs: number;
  /** Store budget of one management call (10 s). */
  readonly storeCallTimeoutMs: number;
}

/** Applies the original's defaults to `timings`; `loadTimeoutMs` is the runtime's. */
export function resolveTimings(timings: MeshTimings | undefined, loadTimeoutMs: number): ResolvedTimings {
  const t = timings ?? {};
  return Object.freeze({
    janitorIntervalMs: t.janitorIntervalMs ?? 360_000,
    janitorFirstRunMs: Math.min(1000, t.janitorIntervalMs ?? 1000),
    rateCheckIntervalMs: t.rateCheckIntervalMs ?? 10_000,
    instancePublishIntervalMs: t.instancePublishIntervalMs ?? 40_000,
    instancePublishMinIntervalMs: t.instancePublishMinIntervalMs ?? 2000,
    instancePublishForceAfterMs: 4 * (t.instancePublishIntervalMs ?? 40_000),
    loadFailureExpiryMs: t.loadFailureExpiryMs ?? 900_000,
    reaperIntervalMs: t.reaperIntervalMs ?? 420_000,
    reaperFirstRunMs: t.reaperFirstRunMs ?? Math.min(120_000, t.reaperIntervalMs ?? 420_000),
    rateCheckFirstRunMs: t.rateCheckFirstRunMs ?? Math.min(5000, t.rateCheckIntervalMs ?? 10_000),
    assumeInstanceGoneAfterMs: t.assumeInstanceGoneAfterMs ?? 600_000,
    minSecondCopyAgeMs: t.minSecondCopyAgeMs ?? 420_000,
    maxSecondCopyAgeMs: t.maxSecondCopyAgeMs ?? 2_400_000,
    minChurnAgeMs: t.minChurnAgeMs ?? defaultMinChurnAgeMs(loadTimeoutMs),
    spaceWaitMs: t.spaceWaitMs ?? 180_000,
    storeCallTimeoutMs: t.storeCallTimeoutMs ?? 10_000,
  });
}
