import {
  comparePlacementOrder,
  createScaleDownBudget,
  decideScaleDown,
  type InstanceRecord,
  isServable,
  type ScalingOptions,
  scaleDownBudgetAllows,
  spendScaleDownBudget,
} from "@modelmesh/core";
import type { CopyEntry } from "../cache/copy-data.js";
import { removeEntry } from "../cache/departures.js";
import type { MeshContext } from "../mesh-context.js";
import { deregisterCopy } from "../registry/registry-writes.js";
import { liveInstances, partitionStats, suitableInstances } from "./cluster-state.js";
import type { ModelRates } from "./model-rates.js";
import type { ScaleUpThreshold } from "./scale-up-threshold.js";
import type { TypeConstraints } from "./type-constraints.js";

/** What {@link scaleDownLocalCopies} needs besides the context. */
export interface ScaleDownParts {
  readonly ctx: MeshContext;
  readonly rates: ModelRates;
  readonly threshold: ScaleUpThreshold;
  readonly constraints: TypeConstraints;
  readonly scaling: ScalingOptions;
  readonly freshSelf: () => InstanceRecord;
}

/**
 * The janitor's scale-down step (§4.8 step 3, §5.5): over the local copies, least recently used
 * first, asks core's `decideScaleDown` whether each surplus copy should go (only when its type's
 * partition is at least 95 % full and another live instance holds a copy), within the run's
 * budget of 5 % of the local capacity. A removed copy is deregistered first (compare-and-set on
 * our registration, which records `lul`), then dropped from the cache, which unloads it.
 * Returns the ids of the models whose copy was removed.
 */
export async function scaleDownLocalCopies(parts: ScaleDownParts): Promise<string[]> {
  const { ctx, scaling } = parts;
  const nowMs = ctx.clock.nowMs();
  const self = parts.freshSelf();
  const live = liveInstances(ctx, self);
  if (live.size < 2) return [];
  parts.constraints.setInstances(live);
  let budget = createScaleDownBudget(self.capacityUnits);
  const removed: string[] = [];
  const order = { minSpaceUnits: ctx.minSpaceUnits, minChurnAgeMs: ctx.timings.minChurnAgeMs, nowMs };
  for (const entry of ctx.cache.entries("lru-first") as CopyEntry[]) {
    if (ctx.lifecycle.shuttingDown) break;
    if (!isServable(entry.state.kind) || !entry.data.registered) continue;
    const record = ctx.registryMirror.get(entry.id)?.value;
    if (record === undefined || record.instanceIds[ctx.selfId] !== entry.data.loadTimestampMs) continue;
    const others = Object.keys(record.instanceIds).filter((id) => id !== ctx.selfId && live.has(id));
    const suitable = suitableInstances(live, parts.constraints, record.type);
    const firstOther = others[0];
    const otherRecord = firstOther === undefined ? undefined : live.get(firstOther);
    const selfLessDesirable =
      otherRecord !== undefined &&
      comparePlacementOrder(
        { id: ctx.selfId, record: self },
        { id: firstOther as string, record: otherRecord },
        order,
      ) > 0;
    const rate = parts.rates.peek(entry.id);
    const decision = decideScaleDown(
      {
        record,
        partition: partitionStats(suitable, ctx.minSpaceUnits),
        hasOtherLiveCopy: others.length > 0,
        selfLessDesirable,
        nowMs,
        lastUsedMs: entry.lastUsedMs,
        lastHeavyMs: rate?.lastHeavyMs ?? 0,
        recentRpm: rate?.lastRpm ?? 0,
        rateSampleMs: scaling.rateCheckPeriodMs,
        thresholdRpm: parts.threshold.rpm,
      },
      scaling,
    );
    if (!decision.remove) continue;
    if (!scaleDownBudgetAllows(budget, entry.weightUnits)) break;
    const after = await deregisterCopy(ctx, {
      modelId: entry.id,
      loadTimestampMs: entry.data.loadTimestampMs,
      lastUsedMs: entry.lastUsedMs,
    });
    if (after !== undefined && after.instanceIds[ctx.selfId] === entry.data.loadTimestampMs) continue;
    budget = spendScaleDownBudget(budget, entry.weightUnits);
    entry.data.registered = false;
    removeEntry(ctx, entry);
    removed.push(entry.id);
    ctx.logger.info(
      { modelId: entry.id, copies: Object.keys(record.instanceIds).length },
      "scaled down a copy",
    );
  }
  return removed;
}
