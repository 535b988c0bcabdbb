import { bytesToUnits, MeshError, type ModelRecord, type RouteOutcome } from "@modelmesh/core";
import type { Context } from "@opentelemetry/api";
import { type CopyEntry, createCopyData } from "../cache/copy-data.js";
import { handleDepartures, removeEntry } from "../cache/departures.js";
import type { MeshContext } from "../mesh-context.js";
import { deregisterCopy, registerCopy } from "../registry/registry-writes.js";
import { tracedLoad } from "../tracing/traced-calls.js";
import { runLoad } from "./run-load.js";

/** Priority of a request-driven load: two hours ahead of now (§6.3). */
export const REQUEST_PRIORITY_AHEAD_MS = 2 * 3_600_000;

/** Result of {@link loadLocal}: the entry to serve from (loading or loaded), or a routing outcome. */
export type LoadLocalResult =
  | { readonly kind: "entry"; readonly entry: CopyEntry }
  | { readonly kind: "outcome"; readonly outcome: RouteOutcome };

/** What to load. */
export interface LoadLocalArgs {
  readonly modelId: string;
  /** The record as routing knows it (to detect concurrent registrations elsewhere). */
  readonly record: ModelRecord | undefined;
  /** Position in the cache and `lu` (epoch ms; 0 = now). */
  readonly lastUsedMs: number;
  /** A client request waits for it: queue ahead of background loads (§6.3). */
  readonly requestDriven: boolean;
  /** Trace context of the sampled call that asked for the load: the load gets spans under it. */
  readonly trace?: Context;
}

function failed(error: MeshError, localCopyGone = false): LoadLocalResult {
  return { kind: "outcome", outcome: { kind: "failed", error, ...(localCopyGone ? { localCopyGone } : {}) } };
}

function notHere(ctx: MeshContext, modelId: string): LoadLocalResult {
  const error = new MeshError(
    "MODEL_NOT_HERE",
    `model ${modelId} left instance ${ctx.selfId} while loading`,
    {
      modelId,
      instanceId: ctx.selfId,
    },
  );
  return failed(error, true);
}

/** An existing entry: reuse it, unless its load failed (§6.2 step 2). */
function reuse(ctx: MeshContext, entry: CopyEntry): LoadLocalResult {
  if (entry.state.kind !== "FAILED") return { kind: "entry", entry };
  return failed(new MeshError("LOAD_FAILED", entry.state.message, { instanceId: ctx.selfId }));
}

/** The predicted size in units: the runtime's `predictModelSize`, else its default size (§4.3). */
async function predictUnits(ctx: MeshContext, entry: CopyEntry): Promise<number> {
  const data = entry.data;
  const bytes = await ctx.runtime.models
    .predictModelSize({
      modelId: data.modelId,
      modelType: data.modelType,
      ...(data.modelPath === undefined ? {} : { modelPath: data.modelPath }),
      ...(data.modelKey === undefined ? {} : { modelKey: data.modelKey }),
    })
    .catch(() => undefined);
  return Math.max(1, bytesToUnits(bytes ?? ctx.runtime.parameters.defaultModelSizeBytes));
}

/**
 * Loads a model here (§6.2): inserts a placeholder at its last-used time (evicting older
 * entries if needed), grows it to the predicted size while registering the copy in the model
 * record (compare-and-set), and queues the load. A concurrent request for the same model joins the
 * entry already there, so concurrent first calls load once.
 */
export async function loadLocal(ctx: MeshContext, args: LoadLocalArgs): Promise<LoadLocalResult> {
  const { modelId, record } = args;
  const existing = ctx.cache.peek(modelId);
  if (existing !== undefined) return reuse(ctx, existing);
  if (record === undefined)
    return { kind: "outcome", outcome: { kind: "record-changed", record: undefined } };
  if (ctx.lifecycle.shuttingDown) {
    return failed(new MeshError("INSTANCE_UNAVAILABLE", `instance ${ctx.selfId} is shutting down`));
  }
  const data = createCopyData({ modelId, type: record.type, path: record.path, key: record.key });
  const inserted = ctx.cache.insert(modelId, { data, lastUsedMs: Math.max(0, args.lastUsedMs) });
  if (inserted.kind === "exists") return reuse(ctx, inserted.entry);
  if (inserted.kind === "fell-through") return { kind: "outcome", outcome: { kind: "fell-through" } };
  handleDepartures(ctx, inserted.evicted, "evicted");
  const entry = inserted.entry;
  // The size prediction (a runtime call) and the copy's registration (a store write) do not
  // depend on each other: run them at once, and apply the predicted size as soon as it is known.
  const now = ctx.clock.nowMs();
  entry.data.loadTimestampMs = now;
  // The size request first: its bytes leave when this turn ends, while the store write runs.
  const prediction = predictUnits(ctx, entry);
  const registration = attemptRegistration(ctx, args, now);
  const units = await prediction;
  const sized =
    entry.state.kind === "REMOVED" ? notHere(ctx, modelId) : applyPredictedSize(ctx, entry, units);
  return finishRegistration(ctx, entry, args, await registration, sized);
}

/** Grows the placeholder to the predicted size; an outcome when that made it leave the cache. */
function applyPredictedSize(ctx: MeshContext, entry: CopyEntry, units: number): LoadLocalResult | undefined {
  if (units <= 1) return undefined;
  const resized = ctx.cache.resize(entry, units);
  if (resized.kind !== "not-in-cache") handleDepartures(ctx, resized.evicted, "evicted");
  if (resized.kind === "fell-through") return { kind: "outcome", outcome: { kind: "fell-through" } };
  if (resized.kind === "not-in-cache") return notHere(ctx, entry.data.modelId);
  return undefined;
}

/** The copy's registration in the model record, or the store error (never rejects). */
type Registration =
  | Awaited<ReturnType<typeof registerCopy>>
  | { readonly kind: "error"; readonly error: unknown };

function attemptRegistration(ctx: MeshContext, args: LoadLocalArgs, now: number): Promise<Registration> {
  return registerCopy(ctx, {
    modelId: args.modelId,
    seen: args.record,
    loadTimestampMs: now,
    lastUsedMs: args.lastUsedMs,
  }).catch((error: unknown) => ({ kind: "error", error }) as const);
}

/**
 * Acts on the registration's result (§6.2 step 5): on failure or a changed record the entry goes;
 * when the entry left the cache meanwhile (`left`, or removed) the registration is taken back;
 * otherwise the load is queued.
 */
function finishRegistration(
  ctx: MeshContext,
  entry: CopyEntry,
  args: LoadLocalArgs,
  registered: Registration,
  left: LoadLocalResult | undefined,
): LoadLocalResult {
  const data = entry.data;
  const now = data.loadTimestampMs;
  if (registered.kind === "error") {
    removeEntry(ctx, entry);
    const reason = MeshError.from(registered.error).message;
    return failed(
      new MeshError("LOAD_FAILED", `KV store error registering model copy: ${reason}`, {
        cause: registered.error,
      }),
    );
  }
  if (registered.kind === "changed") {
    removeEntry(ctx, entry);
    return { kind: "outcome", outcome: { kind: "record-changed", record: registered.record } };
  }
  data.registered = true;
  if (left !== undefined || entry.state.kind === "REMOVED") {
    // Left the cache while registering: take the registration back.
    void deregisterCopy(ctx, { modelId: data.modelId, loadTimestampMs: now }).catch(() => undefined);
    return left ?? notHere(ctx, data.modelId);
  }
  ctx.cache.enqueue(entry);
  const priority = args.requestDriven
    ? now + REQUEST_PRIORITY_AHEAD_MS
    : args.lastUsedMs > 0
      ? args.lastUsedMs
      : now;
  const queuedAtMs = Date.now();
  const run = () => {
    ctx.metrics.loadQueued(data.modelId, Date.now() - queuedAtMs);
    return runLoad(ctx, entry);
  };
  data.ticket = ctx.queue.add(
    priority,
    ctx.tracer === undefined || args.trace === undefined
      ? run
      : tracedLoad(ctx.tracer, args.trace, data.modelId, run),
  );
  ctx.requestPublish();
  return { kind: "entry", entry };
}
