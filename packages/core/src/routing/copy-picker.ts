import type { PeerStatsView } from "./types.js";

/**
 * How this instance's own copy takes part in the pick (§2.2): `exclude` when it was already
 * considered (favouring self), `prefer` when it wins ties (its last use counts as 0),
 * `compete` when it is just one candidate.
 */
export type SelfMode = "exclude" | "compete" | "prefer";

/** Options for {@link pickCopy}. */
export interface CopyPickOptions {
  /** Candidate copies: instance id → load start time (the registry's `instanceIds`). */
  readonly copies: Readonly<Record<string, number>>;
  readonly selfId: string;
  readonly selfMode: SelfMode;
  readonly nowMs: number;
  /** Copies whose load started longer ago than this are assumed loaded (§6.5). */
  readonly assumeLoadedAfterMs: number;
  readonly peers: PeerStatsView;
  /** Copies not to use (already tried, or explicitly excluded). */
  readonly isExcluded?: (instanceId: string, loadTimestampMs: number) => boolean;
}

/**
 * Chooses among existing copies (§2.4, the original's ForwardingLB). Among copies assumed
 * loaded: fewest requests in flight from this instance, ties to the least recently used
 * destination. When none is assumed loaded: the oldest load start, the likeliest to finish
 * first. Unreachable instances are skipped. Returns the chosen instance id (possibly this
 * instance's own), or undefined when there is none. Allocates nothing.
 */
export function pickCopy(options: CopyPickOptions): string | undefined {
  const { copies, selfId, selfMode, peers, isExcluded } = options;
  const loadedBeforeMs = options.nowMs - options.assumeLoadedAfterMs;
  let chosen: string | undefined;
  let fewestInFlight = Number.POSITIVE_INFINITY;
  let chosenLastUsedMs = Number.POSITIVE_INFINITY;
  let oldestStartMs = Number.POSITIVE_INFINITY;
  for (const id in copies) {
    const loadStartMs = copies[id] as number;
    const self = id === selfId;
    if (self ? selfMode === "exclude" : !peers.isReachable(id)) continue;
    if (isExcluded?.(id, loadStartMs)) continue;
    if (loadStartMs < loadedBeforeMs) {
      const inFlight = peers.inFlight(id);
      if (inFlight > fewestInFlight) continue;
      const lastUsedMs = self && selfMode === "prefer" ? 0 : peers.lastUsedMs(id);
      if (inFlight === fewestInFlight && lastUsedMs >= chosenLastUsedMs) continue;
      fewestInFlight = inFlight;
      chosenLastUsedMs = lastUsedMs;
      chosen = id;
    } else if (fewestInFlight === Number.POSITIVE_INFINITY && loadStartMs < oldestStartMs) {
      // None assumed loaded so far: the copy whose load started first.
      oldestStartMs = loadStartMs;
      chosen = id;
    }
  }
  return chosen;
}
