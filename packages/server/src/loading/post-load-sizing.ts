import { bytesToUnits } from "@modelmesh/core";
import type { CopyEntry } from "../cache/copy-data.js";
import { handleDepartures } from "../cache/departures.js";
import type { MeshContext } from "../mesh-context.js";

/** Sets a loaded entry's weight and acts on the evictions that causes. */
export function resizeTo(ctx: MeshContext, entry: CopyEntry, units: number): void {
  const result = ctx.cache.resize(entry, Math.max(1, units));
  if (result.kind !== "not-in-cache") handleDepartures(ctx, result.evicted, "evicted");
  ctx.space.notify();
}

/** Post-load sizing waits at most this long for the calls on the new copy to end. */
const SIZING_WAIT_LIMIT_MS = 1000;

/**
 * Starts sizing once the calls that waited for this load are answered (at most
 * {@link SIZING_WAIT_LIMIT_MS} later): the copy is servable while SIZING, and a `modelSize` call
 * sent alongside the first calls would make them wait behind it in the runtime.
 */
export function sizeAfterWaitingCalls(ctx: MeshContext, entry: CopyEntry): void {
  const data = entry.data;
  const start = () => {
    clearTimeout(limit);
    data.afterCalls = undefined;
    void sizeLoaded(ctx, entry);
  };
  const limit = setTimeout(start, SIZING_WAIT_LIMIT_MS);
  limit.unref();
  // The waiting calls continue in microtasks after `loaded` resolves: by the next turn of the
  // event loop they are in flight (counted in `inFlight`), or there were none. `start` runs once:
  // whichever of the limit and the last call's end comes first clears the other.
  setImmediate(() => {
    if (data.inFlight === 0) start();
    else data.afterCalls = start;
  });
}

/** Measures a loaded model with `modelSize` and settles its weight (§4.3 step 5). */
async function sizeLoaded(ctx: MeshContext, entry: CopyEntry): Promise<void> {
  if (entry.state.kind !== "SIZING") return;
  const startMs = Date.now();
  const bytes = await ctx.runtime.models.modelSize(entry.data.modelId).catch((error: unknown) => {
    ctx.logger.warn(
      { modelId: entry.data.modelId, reason: String(error) },
      "sizing failed; keeping the prediction",
    );
    return 0;
  });
  if (bytes > 0) {
    ctx.metrics.sized(entry.data.modelId, Date.now() - startMs);
    ctx.metrics.loadedSize(entry.data.modelId, bytes);
  }
  if (entry.state.kind !== "SIZING") return;
  if (bytes > 0) resizeTo(ctx, entry, bytesToUnits(bytes));
  ctx.cache.markActive(entry);
  ctx.requestPublish();
}
