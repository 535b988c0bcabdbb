import {
  isBalancedSelf,
  type RankIterator,
  rankList,
  type ShortlistOutcome,
  type ShortlistRun,
  simpleShortlist,
  VerdictCode,
} from "./shortlist.js";
import { ageMs, isFull, type ReadonlySetLike } from "./types.js";

const PREFERENCE_WINDOW_MS = 120_000;

function markNotPreferred(run: ShortlistRun, ranks: readonly number[]): void {
  for (const rank of ranks) run.codes[rank] = VerdictCode.NotPreferred;
}

/**
 * Preference case (a) of §3.3, the best candidate is not preferred and not full: look for the
 * first preferred instance before the first full one. If found it becomes the best and only
 * preferred instances are shortlisted; otherwise the preference is dropped and the simple case
 * runs over the instances seen.
 */
export function preferredBySpace(
  run: ShortlistRun,
  it: RankIterator,
  firstRank: number,
  prefer: ReadonlySetLike,
): ShortlistOutcome {
  const seen: number[] = [];
  for (let rank = it.next(); rank >= 0; rank = it.next()) {
    const entry = run.view.at(rank);
    if (prefer.has(entry.id)) {
      markNotPreferred(run, [firstRank, ...seen]);
      return simpleShortlist(run, it, rank, prefer);
    }
    if (isFull(entry.record, run.ctx.minSpaceUnits)) {
      // The simple pass below ends here at the latest (the best is not full).
      run.endRank = rank;
      run.endReason = "full";
      break;
    }
    seen.push(rank);
  }
  return simpleShortlist(run, rankList(seen), firstRank);
}

/**
 * Preference case (b) of §3.3, the best candidate is not preferred and full: among the
 * instances whose LRU entry is within `max(120 s, age/4)` of the best's, shortlist only the
 * preferred ones. When there are none, drop the preference and run the simple case over the
 * instances seen.
 */
export function preferredByAge(
  run: ShortlistRun,
  it: RankIterator,
  firstRank: number,
  prefer: ReadonlySetLike,
): ShortlistOutcome {
  const oldestMs = run.view.at(firstRank).record.lruTimeMs;
  const relativeMs = Math.trunc(ageMs(oldestMs, run.ctx.nowMs) / 4);
  const seen: number[] = [];
  let foundPreferred = false;
  for (let rank = it.next(); rank >= 0; rank = it.next()) {
    const entry = run.view.at(rank);
    const diffMs = entry.record.lruTimeMs - oldestMs;
    if (diffMs > PREFERENCE_WINDOW_MS && diffMs > relativeMs) {
      run.endRank = rank;
      run.endReason = "preference-window";
      break;
    }
    if (!prefer.has(entry.id)) {
      if (foundPreferred) run.codes[rank] = VerdictCode.NotPreferred;
      else seen.push(rank);
      continue;
    }
    if (isBalancedSelf(run, rank)) {
      run.codes[rank] = VerdictCode.BalancedSelf;
      return { kind: "self" };
    }
    foundPreferred = true;
    run.pool.push(rank);
    run.codes[rank] = VerdictCode.InPool;
  }
  if (foundPreferred) {
    run.bestRank = run.pool[0] as number;
    markNotPreferred(run, [firstRank, ...seen]);
    return { kind: "pool" };
  }
  const outcome = simpleShortlist(run, rankList(seen), firstRank);
  // Without preference the window end is also too far by the simple case's tighter LRU rule.
  if (run.endReason === "preference-window") run.endReason = "lru-gap";
  return outcome;
}

/** Builds the shortlist of §3.3, dispatching to the simple or a preference case. */
export function buildShortlist(run: ShortlistRun, it: RankIterator, firstRank: number): ShortlistOutcome {
  const prefer = run.ctx.input.preferredInstances;
  const first = run.view.at(firstRank);
  if (prefer === undefined || prefer.has(first.id)) return simpleShortlist(run, it, firstRank, prefer);
  if (isFull(first.record, run.ctx.minSpaceUnits)) return preferredByAge(run, it, firstRank, prefer);
  return preferredBySpace(run, it, firstRank, prefer);
}
