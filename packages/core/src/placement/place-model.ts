import { applyBusyFilter, type BusyLimit } from "./busy-filter.js";
import { explainPlacement } from "./explain.js";
import { filteredRanks } from "./filters.js";
import { createOrderedView } from "./ordered-view.js";
import { buildShortlist } from "./preference-shortlist.js";
import { pickUniform } from "./random-pick.js";
import { type ShortlistRun, VerdictCode } from "./shortlist.js";
import type { PlacementContext, PlacementDecision, PlacementInput, PlacementResult } from "./types.js";

function context(input: PlacementInput, ignoreReplacement: boolean): PlacementContext {
  const { table } = input;
  return {
    input,
    selfId: table.selfId,
    nowMs: input.nowMs,
    minSpaceUnits: table.minSpaceUnits,
    ignoreReplacement,
  };
}

function decide(run: ShortlistRun, pickedRank: number | undefined): PlacementDecision {
  if (pickedRank === undefined) return { kind: "none" };
  const id = run.view.at(pickedRank).id;
  return id === run.ctx.selfId
    ? { kind: "load-local", reason: "picked" }
    : { kind: "forward", instanceId: id };
}

/**
 * Chooses where to load a model that has no usable copy (§3): walks the instances in
 * placement order through the hard filters (type constraint, miss excludes, liveness,
 * upgrade tracker — the last dropped when it would leave nothing), builds the shortlist of
 * candidates close to the best one (honouring preferred instances), drops busy ones and
 * draws the target uniformly at random. Pure: the same input gives the same result.
 *
 * Every candidate is judged by its own record; this instance by `selfRecord` (§15.4 item 1).
 */
export function placeModel(input: PlacementInput): PlacementResult {
  const view = createOrderedView(input.table, input.selfRecord, input.nowMs);
  let ctx = context(input, false);
  let first = filteredRanks(view, ctx, 0).next();
  if (first < 0 && input.replacedReplicaSets !== undefined) {
    ctx = context(input, true);
    first = filteredRanks(view, ctx, 0).next();
  }
  const run: ShortlistRun = {
    view,
    ctx,
    codes: new Uint8Array(view.length),
    pool: [],
    bestRank: first,
    endRank: -1,
    endReason: undefined,
  };
  if (first < 0) return result(run, { kind: "none" }, []);
  const outcome = buildShortlist(run, filteredRanks(view, ctx, first + 1), first);
  if (outcome.kind === "self") {
    return result(run, { kind: "load-local", reason: "balanced-self" }, [
      run.codes.indexOf(VerdictCode.BalancedSelf),
    ]);
  }
  const { survivors, limit } = applyBusyFilter({
    view,
    pool: run.pool,
    lastUsedMs: input.lastUsedMs,
    nowMs: input.nowMs,
  });
  for (const rank of run.pool) run.codes[rank] = VerdictCode.Busy;
  for (const rank of survivors) run.codes[rank] = VerdictCode.InPool;
  const picked = pickUniform(survivors, input.random);
  if (picked !== undefined) run.codes[picked] = VerdictCode.Picked;
  return result(run, decide(run, picked), survivors, limit);
}

function result(
  run: ShortlistRun,
  decision: PlacementDecision,
  survivors: readonly number[],
  limit?: BusyLimit,
): PlacementResult {
  const pool = survivors.map((rank) => run.view.at(rank).id);
  return {
    decision,
    pool,
    explain: () => explainPlacement({ run, survivors, ...(limit === undefined ? {} : { limit }) }),
  };
}
