import { livenessFilter } from "./liveness-filter.js";
import { missExcludeFilter } from "./miss-exclude-filter.js";
import type { OrderedView } from "./ordered-view.js";
import type { RankIterator } from "./shortlist.js";
import { typeConstraintFilter } from "./type-constraint-filter.js";
import type { PlacementContext, PlacementFilter } from "./types.js";
import { upgradeFilter } from "./upgrade-filter.js";

/** The hard filters of §3.2, in the original's order. */
export const placementFilters: readonly PlacementFilter[] = [
  typeConstraintFilter,
  missExcludeFilter,
  livenessFilter,
  upgradeFilter,
];

/**
 * True when every filter keeps the instance at `rank`: {@link placementFilters} spelled out,
 * so that each call site sees one function (the hot loop of a 1000-instance placement).
 */
export function passesFilters(view: OrderedView, rank: number, ctx: PlacementContext): boolean {
  const entry = view.at(rank);
  return (
    typeConstraintFilter.keep(entry, ctx) &&
    missExcludeFilter.keep(entry, ctx) &&
    livenessFilter.keep(entry, ctx) &&
    upgradeFilter.keep(entry, ctx)
  );
}

/** Iterates the ranks from `from` on that pass every filter, lazily. */
export function filteredRanks(view: OrderedView, ctx: PlacementContext, from: number): RankIterator {
  let rank = from;
  return {
    next() {
      while (rank < view.length) {
        const current = rank++;
        if (passesFilters(view, current, ctx)) return current;
      }
      return -1;
    },
  };
}
