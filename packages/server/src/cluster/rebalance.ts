import type { EvictedCopy, MeshContext } from "../mesh-context.js";
import { liveInstances, partitionStats, suitableInstances } from "./cluster-state.js";
import type { CopyRequester } from "./copy-requester.js";
import type { TypeConstraints } from "./type-constraints.js";

/** What {@link rebalanceEvicted} needs. */
export interface RebalanceOptions {
  readonly ctx: MeshContext;
  readonly constraints: TypeConstraints;
  readonly copies: CopyRequester;
}

/**
 * Rebalancing reload (§4.6): a copy evicted here that had been loaded for more than twice the
 * runtime's load timeout (so not churn from a load that just happened) is loaded again on
 * another instance when the instances its type may run on number more than one and have at
 * least 5 % of their capacity free. The new copy keeps the evicted copy's last-used time, so it
 * lands only where that time still earns a place. Returns whether a copy was requested.
 */
export function rebalanceEvicted(options: RebalanceOptions, copy: EvictedCopy): boolean {
  const { ctx, constraints, copies } = options;
  if (ctx.lifecycle.shuttingDown || copy.loadTimestampMs <= 0) return false;
  const loadedForMs = ctx.clock.nowMs() - copy.loadTimestampMs;
  if (loadedForMs <= 2 * ctx.runtime.parameters.loadTimeoutMs) return false;
  const record = ctx.registryMirror.get(copy.modelId)?.value;
  if (record === undefined) return false;
  const suitable = suitableInstances(liveInstances(ctx), constraints, record.type);
  if (suitable.length <= 1) return false;
  const stats = partitionStats(suitable, ctx.minSpaceUnits);
  if (20 * stats.totalFreeUnits < stats.totalCapacityUnits) return false;
  copies
    .requestCopy({
      modelId: copy.modelId,
      reason: "rebalance",
      lastUsedMs: copy.lastUsedMs,
      excludeInstanceIds: [ctx.selfId],
      chainCount: 0,
    })
    .catch((error: unknown) => {
      ctx.logger.warn({ modelId: copy.modelId, reason: String(error) }, "rebalancing reload failed");
    });
  return true;
}
