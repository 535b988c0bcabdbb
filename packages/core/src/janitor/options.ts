import type { Random } from "../ports/random.js";

/** Tunables of the janitor's reconciliation (§4.8), with the original's defaults (§12.3, §12.5). */
export interface JanitorOptions {
  /** Janitor period (`tas.janitor_freq_secs`). Default 6 min. */
  readonly janitorPeriodMs: number;
  /** An unload attempted within this window makes an orphan entry go rather than re-register. Default 10 min. */
  readonly unloadAttemptRecentMs: number;
  /** An entry with a "never" last-used time is repaired to now minus this. Default 3 h. */
  readonly repairedLastUsedAgeMs: number;
  /** A record's `lu` is refreshed when the cache's is newer by at least 6 h ... */
  readonly staleLastUsedMinMs: number;
  /** ... plus a per-instance random share of this (so instances do not all write at once). Default 1 h. */
  readonly staleLastUsedJitterMs: number;
}

/** The original's defaults. */
export const defaultJanitorOptions: JanitorOptions = Object.freeze({
  janitorPeriodMs: 360_000,
  unloadAttemptRecentMs: 600_000,
  repairedLastUsedAgeMs: 3 * 3_600_000,
  staleLastUsedMinMs: 6 * 3_600_000,
  staleLastUsedJitterMs: 3_600_000,
});

/** Defaults overridden by `overrides`. */
export function resolveJanitorOptions(overrides: Partial<JanitorOptions> = {}): JanitorOptions {
  return Object.freeze({ ...defaultJanitorOptions, ...overrides });
}

/** Draws this instance's stale-`lu` threshold once (6–7 h by default, §4.7). */
export function pickStaleLastUsedAgeMs(random: Random, options: JanitorOptions): number {
  return options.staleLastUsedMinMs + Math.floor(random.next() * options.staleLastUsedJitterMs);
}

/** What every janitor decision of one run shares. */
export interface JanitorContext {
  /** This instance. */
  readonly selfInstanceId: string;
  /** Start of the run, epoch ms. */
  readonly nowMs: number;
  /** The runtime's load timeout (§6.5). */
  readonly loadTimeoutMs: number;
  /** This instance's stale-`lu` threshold, see {@link pickStaleLastUsedAgeMs}. */
  readonly staleLastUsedAgeMs: number;
  readonly options: JanitorOptions;
}
