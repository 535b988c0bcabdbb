import { defaultAssumeLoadedAfterMs } from "../cache/sizing.js";

/** What routing asks about learned load times. */
export interface LoadTimeView {
  /** After how long (ms) a copy whose load started is assumed loaded, for models of `modelType`. */
  assumeLoadedAfterMs(modelType: string): number;
}

/** Running statistics of one model type's load times (§6.5, the original's `TimeStats`). */
export interface TimeStats {
  /** Samples recorded. */
  readonly count: number;
  /** Mean load time, ms. */
  readonly meanMs: number;
  /** Current "assume loaded after" estimate, ms. */
  readonly assumeLoadedAfterMs: number;
  /** Adds a load time sample (ms). */
  record(loadTimeMs: number): void;
}

/**
 * Creates load-time statistics starting from `defaultMs`. For the first three samples the
 * estimate moves a third of the way to the mean; on every fourth sample it is set to
 * `mean + k × stddev`, with k = 5 up to 20 samples and 3 after (a safe upper bound).
 */
export function createTimeStats(defaultMs: number): TimeStats {
  let count = 0;
  let meanMs = 0;
  let squaredDeltas = 0;
  let assumeMs = Math.trunc(defaultMs);
  return {
    get count() {
      return count;
    },
    get meanMs() {
      return meanMs;
    },
    get assumeLoadedAfterMs() {
      return assumeMs;
    },
    record(loadTimeMs) {
      count++;
      const delta = loadTimeMs - meanMs;
      meanMs += delta / count;
      squaredDeltas += delta * (loadTimeMs - meanMs);
      if (count % 4 === 0) {
        const k = count <= 20 ? 5 : 3;
        assumeMs = Math.trunc(meanMs + k * Math.sqrt(squaredDeltas / count));
      } else if (count < 4) {
        assumeMs = Math.trunc((2 * assumeMs + meanMs) / 3);
      }
    },
  };
}

/** Load-time statistics per model type. */
export interface LoadTimeTracker extends LoadTimeView {
  /** Records how long a load of a `modelType` model took (ms). */
  recordLoadTimeMs(modelType: string, loadTimeMs: number): void;
  /** The statistics of one type (created on first use). */
  stats(modelType: string): TimeStats;
}

/** Options for {@link createLoadTimeTracker}. */
export interface LoadTimeTrackerOptions {
  /** The runtime's model loading timeout, ms; the default estimate is derived from it. */
  readonly loadTimeoutMs: number;
}

/** Creates a {@link LoadTimeTracker}; each type starts at `max(3 s, loadTimeout / 3)` (§6.5). */
export function createLoadTimeTracker(options: LoadTimeTrackerOptions): LoadTimeTracker {
  const byType = new Map<string, TimeStats>();
  const defaultMs = defaultAssumeLoadedAfterMs(options.loadTimeoutMs);
  const stats = (modelType: string): TimeStats => {
    let s = byType.get(modelType);
    if (s === undefined) {
      s = createTimeStats(defaultMs);
      byType.set(modelType, s);
    }
    return s;
  };
  return {
    stats,
    assumeLoadedAfterMs: (modelType) => byType.get(modelType)?.assumeLoadedAfterMs ?? defaultMs,
    recordLoadTimeMs: (modelType, loadTimeMs) => stats(modelType).record(loadTimeMs),
  };
}
