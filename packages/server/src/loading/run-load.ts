import { bytesToUnits, classifyStartupFailure, isMeshError, MeshError } from "@modelmesh/core";
import { CopyAdmission, resolveMaxInFlight } from "../cache/copy-admission.js";
import type { CopyEntry } from "../cache/copy-data.js";
import type { MeshContext } from "../mesh-context.js";
import { recordLoadFailure } from "../registry/registry-writes.js";
import { delay } from "../util/delay.js";
import { resizeTo, sizeAfterWaitingCalls } from "./post-load-sizing.js";

/** Claims the entry's space, waiting (≤ `spaceWaitMs`) while evicted models still unload (§4.4). */
async function claimSpace(ctx: MeshContext, entry: CopyEntry): Promise<"started" | "gone" | "timeout"> {
  const deadline = Date.now() + ctx.timings.spaceWaitMs;
  const signal = entry.data.abort.signal;
  for (;;) {
    const result = ctx.cache.tryStartLoad(entry);
    if (result.kind === "started") return "started";
    if (result.kind === "not-in-cache" || signal.aborted) return "gone";
    const leftMs = deadline - Date.now();
    if (leftMs <= 0) return "timeout";
    await ctx.space.wait(leftMs, signal);
  }
}

/**
 * Marks a load failed (§6.4): the entry becomes FAILED (weight 1), waiting requests get
 * LOAD_FAILED with the runtime's message, the failure is recorded in the model record, and a
 * model the runtime may hold is unloaded after 1 s (3 s after a timeout).
 */
export async function failLoad(ctx: MeshContext, entry: CopyEntry, message: string): Promise<void> {
  const data = entry.data;
  if (!ctx.cache.fail(entry, message)) return;
  ctx.metrics.loadFailed(data.modelId);
  ctx.space.notify();
  ctx.logger.warn({ modelId: data.modelId, reason: message }, "model load failed");
  countStartupFailure(ctx, data.modelId);
  scheduleFailedUnload(ctx, data);
  // Record first, then answer the waiting requests: a status read after the answer sees it.
  await recordLoadFailure(ctx, {
    modelId: data.modelId,
    loadTimestampMs: data.loadTimestampMs,
    failedAtMs: ctx.clock.nowMs(),
    message,
  }).catch((error: unknown) => {
    ctx.logger.warn({ modelId: data.modelId, reason: String(error) }, "could not record a load failure");
  });
  data.loaded.reject(
    new MeshError("LOAD_FAILED", message, { instanceId: ctx.selfId, modelId: data.modelId }),
  );
  ctx.requestPublish();
}

/** Counts a load failure towards startup fail-fast (§9.6), judged by the record before it. */
function countStartupFailure(ctx: MeshContext, modelId: string): void {
  const nowMs = ctx.clock.nowMs();
  const kind = classifyStartupFailure({
    record: ctx.registryMirror.get(modelId)?.value,
    selfId: ctx.selfId,
    nowMs,
    loadTimeoutMs: ctx.runtime.parameters.loadTimeoutMs,
  });
  const wasClear = ctx.bootstrap.abortReason === undefined;
  // The failed load still holds its loading slot: it is counted as a failure, not in progress.
  const reason = ctx.bootstrap.recordFailure(kind, nowMs, Math.max(0, ctx.queue.inProgress - 1));
  if (wasClear && reason !== undefined) {
    ctx.logger.error({ reason }, "startup fail-fast: this instance will never report ready");
  }
}

/** A model the runtime may hold after a failed load is unloaded after 1 s (3 s after a timeout, §6.4). */
function scheduleFailedUnload(ctx: MeshContext, data: CopyEntry["data"]): void {
  if (!data.holdsRuntimeRef) return;
  data.holdsRuntimeRef = false;
  void delay(data.timedOut ? 3000 : 1000)
    .then(() => (ctx.lifecycle.shuttingDown ? undefined : ctx.runtime.models.unloadModel(data.modelId)))
    .catch(() => undefined);
}

/** Seconds as the original printed them (`90s`; fractions kept, e.g. `0.3s`). */
function formatSeconds(ms: number): string {
  return `${ms / 1000}s`;
}

/** Calls the runtime's loadModel with the load timeout armed (§6.5). */
async function callRuntime(ctx: MeshContext, entry: CopyEntry) {
  const data = entry.data;
  const timeoutMs = ctx.runtime.parameters.loadTimeoutMs;
  const timer = setTimeout(() => {
    data.timedOut = true;
    data.abort.abort();
  }, timeoutMs);
  const call = ctx.runtime.models.loadModel({
    modelId: data.modelId,
    modelType: data.modelType,
    ...(data.modelPath === undefined ? {} : { modelPath: data.modelPath }),
    ...(data.modelKey === undefined ? {} : { modelKey: data.modelKey }),
    signal: data.abort.signal,
  });
  // Every load the runtime saw (not cancelled by us) holds a reference that an unload releases.
  data.runtimeLoad = call.then(
    () => {
      data.holdsRuntimeRef = true;
    },
    (error: unknown) => {
      if (!(isMeshError(error) && error.code === "CANCELLED")) data.holdsRuntimeRef = true;
    },
  );
  try {
    return await call;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs one queued load (§6.2–§6.5): waits for space, calls the runtime, sizes the model (from
 * the load answer, else `modelSize`), and makes the copy servable; failures go to {@link failLoad}.
 * Holds a loading slot until the model is servable.
 */
export async function runLoad(ctx: MeshContext, entry: CopyEntry): Promise<void> {
  const data = entry.data;
  const claimed = await claimSpace(ctx, entry);
  if (claimed === "gone") return;
  if (claimed === "timeout") {
    await failLoad(ctx, entry, `Timed out waiting for space to load model ${data.modelId}`);
    return;
  }
  ctx.requestPublish();
  const startMs = Date.now();
  let loaded: Awaited<ReturnType<typeof callRuntime>>;
  try {
    loaded = await callRuntime(ctx, entry);
  } catch (error) {
    // Removed meanwhile (waiters already answered), or cancelled by shutdown: nothing to record.
    if (entry.state.kind === "REMOVED") return;
    if (ctx.lifecycle.shuttingDown) {
      data.loaded.reject(new MeshError("INSTANCE_UNAVAILABLE", `instance ${ctx.selfId} is shutting down`));
      return;
    }
    const message = data.timedOut
      ? `Load of model ${data.modelId} timed out after ${formatSeconds(ctx.runtime.parameters.loadTimeoutMs)}`
      : MeshError.from(error).message;
    await failLoad(ctx, entry, message);
    return;
  }
  if (entry.state.kind === "REMOVED") return;
  if (ctx.runtime.parameters.limitModelConcurrency)
    data.admission = createAdmission(ctx, data.modelId, loaded);
  const sizing = !(loaded.sizeBytes > 0);
  if (!sizing) resizeTo(ctx, entry, bytesToUnits(loaded.sizeBytes));
  if (!ctx.cache.markLoaded(entry, { sizing })) return;
  const loadTimeMs = Date.now() - startMs;
  data.loadTookMs = loadTimeMs;
  ctx.metrics.loaded(data.modelId, loadTimeMs);
  if (!sizing) ctx.metrics.loadedSize(data.modelId, loaded.sizeBytes);
  ctx.loadTimes.recordLoadTimeMs(data.modelType, loadTimeMs);
  ctx.bootstrap.recordSuccess(ctx.clock.nowMs());
  ctx.logger.info({ modelId: data.modelId, loadTimeMs, sizeBytes: loaded.sizeBytes }, "model loaded");
  data.loaded.resolve();
  ctx.requestPublish();
  if (sizing) sizeAfterWaitingCalls(ctx, entry);
}

/**
 * Latency-based mode: the copy runs at most its `maxConcurrency` calls at once (0 or less from
 * the runtime is taken as 1, with a warning, as the original did).
 */
function createAdmission(ctx: MeshContext, modelId: string, loaded: { readonly maxConcurrency: number }) {
  let permits = loaded.maxConcurrency;
  if (!(permits > 0)) {
    ctx.logger.warn(
      { modelId, maxConcurrency: permits },
      "runtime gave no maxConcurrency for the copy; using 1",
    );
    permits = 1;
  }
  return new CopyAdmission({ permits, maxInFlight: resolveMaxInFlight(ctx.maxInFlightPerCopy, permits) });
}
