import { type DepartedEntry, MeshError } from "@modelmesh/core";
import type { MeshContext } from "../mesh-context.js";
import { deregisterCopy } from "../registry/registry-writes.js";
import { delay } from "../util/delay.js";
import type { CopyData } from "./copy-data.js";

/** Why entries left the cache: LRU eviction, or an explicit removal (unregister, janitor, purge). */
export type DepartureReason = "evicted" | "removed";

/** Delay before unloading, by the state the entry left in (§6.7). */
function unloadDelayMs(previous: string, reason: DepartureReason): number {
  if (previous === "ACTIVE") return 200;
  if (previous === "SIZING") return 1500;
  return reason === "evicted" ? 500 : 3000;
}

/** Waits for in-flight calls on the copy to finish: checks after 1 s, 2 s, 4 s, ... (8 checks, §6.7). */
async function drainInFlight(data: CopyData): Promise<void> {
  for (let i = 0, waitMs = 1000; i < 8 && data.inFlight > 0; i++, waitMs *= 2) await delay(waitMs);
}

/**
 * Carries out what the cache decided when entries left it (§4.6, §6.7): cancels queued or
 * running loads, fails requests waiting on them with not-here (they route again), deregisters
 * evicted copies, and unloads what is in runtime memory, then reports the unload to the cache so
 * the unload buffer shrinks and waiting loads can start.
 */
export function handleDepartures(
  ctx: MeshContext,
  departed: readonly DepartedEntry<CopyData>[],
  reason: DepartureReason,
): void {
  if (departed.length === 0) return;
  for (const d of departed) {
    const data = d.entry.data;
    if (data.ticket !== undefined) ctx.queue.cancel(data.ticket);
    data.abort.abort();
    data.loaded.reject(
      new MeshError("MODEL_NOT_HERE", `model ${data.modelId} was removed from instance ${ctx.selfId}`, {
        modelId: data.modelId,
        instanceId: ctx.selfId,
      }),
    );
    if (reason === "evicted" && (data.registered || d.previousState.kind === "FAILED")) {
      ctx.metrics.evicted(data.modelId, Math.max(0, ctx.clock.nowMs() - d.entry.lastUsedMs));
    }
    if (reason === "evicted" && data.registered) {
      ctx.logger.debug({ modelId: data.modelId }, "evicted from the local cache");
      deregisterCopy(ctx, {
        modelId: data.modelId,
        loadTimestampMs: data.loadTimestampMs,
        lastUsedMs: d.entry.lastUsedMs,
      }).catch((error: unknown) => {
        ctx.logger.warn(
          { modelId: data.modelId, reason: String(error) },
          "could not deregister an evicted copy",
        );
      });
      if (d.previousState.kind !== "FAILED") {
        const copy = {
          modelId: data.modelId,
          loadTimestampMs: data.loadTimestampMs,
          lastUsedMs: d.entry.lastUsedMs,
        };
        for (const listener of ctx.evictionListeners) listener(copy);
      }
    }
    if (d.unloadUnits > 0) void unloadDeparted(ctx, d, reason);
  }
  ctx.space.notify();
  ctx.requestPublish();
}

async function unloadDeparted(
  ctx: MeshContext,
  departed: DepartedEntry<CopyData>,
  reason: DepartureReason,
): Promise<void> {
  const data = departed.entry.data;
  let succeeded = true;
  let unloadTookMs = 0;
  try {
    if (data.runtimeLoad !== undefined) await data.runtimeLoad;
    if (data.holdsRuntimeRef && !ctx.lifecycle.shuttingDown) {
      await delay(unloadDelayMs(departed.previousState.kind, reason));
      await drainInFlight(data);
      data.holdsRuntimeRef = false;
      const startMs = Date.now();
      await ctx.runtime.models.unloadModel(data.modelId);
      unloadTookMs = Date.now() - startMs;
    }
    ctx.metrics.unloaded(data.modelId, unloadTookMs);
  } catch (error) {
    succeeded = false;
    // Retries inside the runtime client are not seen here: the last attempt is counted.
    ctx.metrics.unloadAttemptFailed(data.modelId);
    ctx.metrics.unloadFailed(data.modelId);
    ctx.logger.error({ modelId: data.modelId, reason: String(error) }, "unload failed for good");
  }
  const outcome = ctx.cache.unloadCompleted(departed.unloadUnits, { succeeded });
  handleDepartures(ctx, outcome.evicted, "evicted");
  if (outcome.spaceFreed) ctx.space.notify();
  ctx.requestPublish();
}

/** Removes an entry from the cache on purpose and carries out the consequences. */
export function removeEntry(
  ctx: MeshContext,
  entry: Parameters<MeshContext["cache"]["remove"]>[0],
  options: { readonly alreadyUnloaded?: boolean } = {},
): void {
  const departed = ctx.cache.remove(entry, options);
  if (departed !== undefined) handleDepartures(ctx, [departed], "removed");
}
