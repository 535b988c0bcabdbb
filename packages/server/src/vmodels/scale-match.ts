import { copyCount } from "@modelmesh/core";
import { ensureLoaded } from "../routing/status-route.js";
import type { VModelDeps } from "./vmodel-deps.js";

/** Options of {@link matchScale}. */
export interface MatchScaleOptions {
  /** Last-used time the new copies are loaded with, epoch ms. */
  readonly lastUsedMs: number;
  readonly signal?: AbortSignal;
  /** Absolute deadline, epoch ms. */
  readonly deadlineMs?: number;
}

/**
 * Brings a model to `wanted` copies, one at a time: each round asks for a copy on an instance
 * that holds none yet (the current holders excluded) and waits until it is loaded. Stops when
 * the model has `wanted` copies, when no further instance can take a copy or a load fails, or
 * after `2 × wanted + 1` rounds. Resolves with the copies the model
 * then has.
 */
export async function matchScale(
  deps: VModelDeps,
  modelId: string,
  wanted: number,
  options: MatchScaleOptions,
): Promise<number> {
  const { ctx, view } = deps;
  // A round can add nothing when this instance's view of the record lags behind a load that just
  // finished (the new holder is not excluded yet, so the round finds its copy): a few spare rounds.
  const rounds = 2 * wanted + 1;
  for (let round = 0; round < rounds; round++) {
    const record = ctx.registryMirror.get(modelId)?.value;
    if (record === undefined) return 0;
    const have = copyCount(record);
    if (have >= wanted || options.signal?.aborted === true) return have;
    const result = await ensureLoaded(ctx, view, modelId, {
      lastUsedMs: options.lastUsedMs,
      sync: true,
      balanced: false,
      hop: { explicitExcludes: new Set(Object.keys(record.instanceIds)) },
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.deadlineMs === undefined ? {} : { deadlineMs: options.deadlineMs }),
    });
    if (result.status !== "LOADED") break;
  }
  return copyCount(ctx.registryMirror.get(modelId)?.value);
}
