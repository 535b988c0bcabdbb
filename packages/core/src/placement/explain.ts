import { type BusyLimit, busyFilterPolicy } from "./busy-filter.js";
import { placementFilters } from "./filters.js";
import { placementOrderPolicy } from "./placement-order.js";
import { randomPickPolicy } from "./random-pick.js";
import { type ShortlistRun, VerdictCode } from "./shortlist.js";
import { type CandidateVerdict, type PlacementEntry, remainingUnits } from "./types.js";

/** What {@link explainPlacement} needs from a finished placement. */
export interface ExplainOptions {
  readonly run: ShortlistRun;
  /** Ranks left after the busy filter. */
  readonly survivors: readonly number[];
  readonly limit?: BusyLimit;
}

const SHORTLIST = "shortlist";

function endText(run: ShortlistRun, entry: PlacementEntry): string {
  const best = run.view.at(run.bestRank).record;
  const r = entry.record;
  switch (run.endReason) {
    case "full":
      return `full (fewer than ${run.ctx.minSpaceUnits} free units): the shortlist of non-full instances ends here`;
    case "low-space":
      return `${remainingUnits(r)} free units, under a quarter of the best candidate's ${remainingUnits(best)}: the shortlist ends here`;
    case "many-models":
      return `${r.count} models, over 1.25 × the best candidate's ${best.count}: the shortlist ends here`;
    case "lru-gap":
      return `least recently used entry ${r.lruTimeMs - best.lruTimeMs} ms newer than the best candidate's: the shortlist ends here`;
    case "preference-window":
      return `least recently used entry ${r.lruTimeMs - best.lruTimeMs} ms newer than the best candidate's: outside the window for preferred instances`;
    case undefined:
      return "not considered";
  }
}

interface Judged {
  readonly kept: boolean;
  readonly policy: string;
  readonly reason: string;
}

function judge(options: ExplainOptions, rank: number, selfChosen: boolean): Judged {
  const { run, survivors, limit } = options;
  const entry = run.view.at(rank);
  for (const filter of placementFilters) {
    if (!filter.keep(entry, run.ctx)) {
      return { kept: false, policy: filter.name, reason: filter.explain(entry, run.ctx, false) };
    }
  }
  switch (run.codes[rank]) {
    case VerdictCode.Picked:
      return {
        kept: true,
        policy: randomPickPolicy.name,
        reason: randomPickPolicy.explain(true, survivors.length),
      };
    case VerdictCode.InPool:
      if (selfChosen) {
        return {
          kept: false,
          policy: SHORTLIST,
          reason: "shortlisted, but this instance was chosen first (balanced source)",
        };
      }
      return {
        kept: true,
        policy: randomPickPolicy.name,
        reason: randomPickPolicy.explain(false, survivors.length),
      };
    case VerdictCode.Busy:
      return {
        kept: false,
        policy: busyFilterPolicy.name,
        reason: busyFilterPolicy.explain(entry.record.rpm, limit, false),
      };
    case VerdictCode.NotPreferred:
      return { kept: false, policy: SHORTLIST, reason: "the model type prefers other instances" };
    case VerdictCode.BalancedSelf:
      return {
        kept: true,
        policy: SHORTLIST,
        reason: "this instance is among the best and the source is balanced: load here",
      };
    default:
      if (rank === run.endRank) return { kept: false, policy: SHORTLIST, reason: endText(run, entry) };
      return { kept: false, policy: SHORTLIST, reason: "after the end of the shortlist" };
  }
}

/**
 * One verdict per live instance, in placement order: the filter that dropped it, or what the
 * shortlist, busy filter and random pick made of it, with the facts the order used.
 */
export function explainPlacement(options: ExplainOptions): CandidateVerdict[] {
  const { run } = options;
  const orderCtx = {
    minSpaceUnits: run.ctx.minSpaceUnits,
    minChurnAgeMs: run.ctx.input.table.minChurnAgeMs,
    nowMs: run.ctx.nowMs,
  };
  const selfChosen = run.codes.includes(VerdictCode.BalancedSelf);
  const verdicts: CandidateVerdict[] = [];
  for (let rank = 0; rank < run.view.length; rank++) {
    const entry = run.view.at(rank);
    verdicts.push({
      instanceId: entry.id,
      rank,
      ...judge(options, rank, selfChosen),
      facts: placementOrderPolicy.explain(entry, rank, orderCtx),
    });
  }
  return verdicts;
}
