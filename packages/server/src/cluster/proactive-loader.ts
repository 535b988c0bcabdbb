import {
  type InstanceRecord,
  isProactiveCandidate,
  type ProactiveCandidate,
  type ScalingOptions,
  selectProactiveLoads,
} from "@modelmesh/core";
import type { MeshContext } from "../mesh-context.js";
import { liveInstances, partitionStats } from "./cluster-state.js";
import type { CopyRequester, CopyRequestResult } from "./copy-requester.js";
import type { TypeConstraints } from "./type-constraints.js";

/** What {@link loadProactively} needs besides the context. */
export interface ProactiveParts {
  readonly ctx: MeshContext;
  readonly constraints: TypeConstraints;
  readonly copies: CopyRequester;
  readonly scaling: ScalingOptions;
  readonly freshSelf: () => InstanceRecord;
}

/**
 * The leader's proactive loading (§9.3): registered models without a copy (and fewer than two
 * failure records) are loaded into free space, most recently used first, at most as many as
 * core's `selectProactiveLoads` allows per run (free space, and 5 % of the capacity beyond it
 * for models newer than the replacement cutoff). Each load is one {@link CopyRequester} request
 * that prefers this instance; the run waits only until the loads are initiated.
 */
export async function loadProactively(parts: ProactiveParts): Promise<Map<string, CopyRequestResult>> {
  const { ctx, constraints } = parts;
  const started = new Map<string, CopyRequestResult>();
  if (ctx.lifecycle.shuttingDown) return started;
  const live = liveInstances(ctx, parts.freshSelf());
  constraints.setInstances(live);
  const stats = partitionStats(live.values(), ctx.minSpaceUnits);
  const candidates: ProactiveCandidate[] = [];
  for (const [modelId, versioned] of ctx.registryMirror.entries()) {
    const record = versioned.value;
    if (!isProactiveCandidate(record, stats)) continue;
    // A type no live instance may hold cannot be loaded anywhere (§9.7).
    if (constraints.allowedInstances(record.type)?.size === 0) continue;
    candidates.push({ modelId, lastUsedMs: record.lastUsedMs });
  }
  if (candidates.length === 0) return started;
  const selection = selectProactiveLoads(
    {
      candidates,
      stats: { ...stats, modelCopyCount: stats.copyCount },
      instances: live.values(),
      defaultModelSizeUnits: ctx.runtime.parameters.defaultModelSizeUnits,
      nowMs: ctx.clock.nowMs(),
    },
    parts.scaling,
  );
  for (const candidate of selection.toLoad) {
    const result = await parts.copies
      .requestCopy({
        modelId: candidate.modelId,
        reason: "proactive",
        lastUsedMs: candidate.lastUsedMs,
        excludeInstanceIds: [],
        chainCount: 0,
        preferSelf: true,
      })
      .catch((error: unknown): CopyRequestResult => ({ kind: "skipped", reason: String(error) }));
    started.set(candidate.modelId, result);
  }
  if (started.size > 0) {
    ctx.logger.info(
      { candidates: candidates.length, freeSpaceCount: selection.freeSpaceCount, requested: started.size },
      "proactive loading",
    );
  }
  return started;
}
