import type { OrderedView } from "./ordered-view.js";
import { ageMs, isFull, type PlacementContext, type PlacementEntry, remainingUnits } from "./types.js";

/** Iterates candidate ranks in placement order; `next()` returns -1 at the end. */
export interface RankIterator {
  next(): number;
}

/** Iterates a fixed list of ranks (the original's "rewind" to the instances already seen). */
export function rankList(ranks: readonly number[]): RankIterator {
  let i = 0;
  return { next: () => (i < ranks.length ? (ranks[i++] as number) : -1) };
}

/** What placement recorded about one rank; read by the explanation. */
export const VerdictCode = {
  /** Not looked at by the shortlist (filtered out, or after the shortlist ended). */
  NotReached: 0,
  /** In the shortlist. */
  InPool: 1,
  /** Passed over: the type prefers other instances. */
  NotPreferred: 2,
  /** Chosen at once: this instance, among the best, for a balanced source. */
  BalancedSelf: 3,
  /** Dropped by the busy filter. */
  Busy: 4,
  /** The target drawn at random. */
  Picked: 5,
} as const;

/** Why the shortlist stopped growing (§3.3). */
export type ShortlistEnd = "full" | "low-space" | "many-models" | "lru-gap" | "preference-window";

/** The mutable record of one shortlist construction. */
export interface ShortlistRun {
  readonly view: OrderedView;
  readonly ctx: PlacementContext;
  /** One {@link VerdictCode} per rank. */
  readonly codes: Uint8Array;
  /** Ranks in the shortlist, in order. */
  readonly pool: number[];
  /** Rank of the instance the closeness thresholds compare with. */
  bestRank: number;
  /** Rank at which the shortlist ended, or -1 when the candidates ran out. */
  endRank: number;
  endReason: ShortlistEnd | undefined;
}

/** The shortlist, or this instance chosen immediately (balanced source). */
export type ShortlistOutcome = { readonly kind: "self" } | { readonly kind: "pool" };

const FULL_LRU_CLOSENESS_MS = 45_000;

/**
 * Whether `next` is too far from `best` to join the shortlist (§3.3), judging each by its own
 * record (§15.4 item 1: the original used this instance's record for every candidate).
 * Best full (so all are): LRU more than 45 s and more than a tenth of best's LRU age newer.
 * Best not full: `next` full, or with less than a quarter of best's free units, or with at
 * least 10 models and more than 1.25 × best's count.
 */
export function shortlistEnd(
  best: PlacementEntry,
  next: PlacementEntry,
  ctx: PlacementContext,
): ShortlistEnd | undefined {
  const b = best.record;
  const r = next.record;
  if (isFull(b, ctx.minSpaceUnits)) {
    const diffMs = r.lruTimeMs - b.lruTimeMs;
    const relativeMs = Math.trunc(ageMs(b.lruTimeMs, ctx.nowMs) / 10);
    return diffMs > FULL_LRU_CLOSENESS_MS && diffMs > relativeMs ? "lru-gap" : undefined;
  }
  if (isFull(r, ctx.minSpaceUnits)) return "full";
  if (remainingUnits(r) < Math.floor(remainingUnits(b) / 4)) return "low-space";
  if (r.count >= 10 && r.count > b.count + (b.count >> 2)) return "many-models";
  return undefined;
}

/** True when `rank` is this instance and the source is balanced: it is chosen at once (§3.3). */
export function isBalancedSelf(run: ShortlistRun, rank: number): boolean {
  return run.ctx.input.balanced && run.view.at(rank).id === run.ctx.selfId;
}

/**
 * The simple case of §3.3: start from `bestRank` and extend down the order while the next
 * candidate is close enough; with `prefer`, only preferred instances are considered.
 */
export function simpleShortlist(
  run: ShortlistRun,
  it: RankIterator,
  bestRank: number,
  prefer?: { has(id: string): boolean },
): ShortlistOutcome {
  run.bestRank = bestRank;
  if (isBalancedSelf(run, bestRank)) {
    run.codes[bestRank] = VerdictCode.BalancedSelf;
    return { kind: "self" };
  }
  run.pool.push(bestRank);
  run.codes[bestRank] = VerdictCode.InPool;
  const best = run.view.at(bestRank);
  for (let rank = it.next(); rank >= 0; rank = it.next()) {
    const entry = run.view.at(rank);
    if (prefer !== undefined && !prefer.has(entry.id)) {
      run.codes[rank] = VerdictCode.NotPreferred;
      continue;
    }
    const end = shortlistEnd(best, entry, run.ctx);
    if (end !== undefined) {
      run.endRank = rank;
      run.endReason = end;
      return { kind: "pool" };
    }
    if (isBalancedSelf(run, rank)) {
      run.codes[rank] = VerdictCode.BalancedSelf;
      return { kind: "self" };
    }
    run.pool.push(rank);
    run.codes[rank] = VerdictCode.InPool;
  }
  return { kind: "pool" };
}
