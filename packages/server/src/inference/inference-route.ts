import type { IncomingHttpHeaders } from "node:http2";
import { performance } from "node:perf_hooks";
import {
  isMeshError,
  isServable,
  type Logger,
  type MeshError,
  type RouteOutcome,
  type RouteRequest,
} from "@modelmesh/core";
import { type ForwardRequest, runtimeRequestHeaders } from "@modelmesh/runtime-client";
import type { Context } from "@opentelemetry/api";
import type { CopyAdmission, ReleasePermit } from "../cache/copy-admission.js";
import type { CopyEntry } from "../cache/copy-data.js";
import { removeEntry } from "../cache/departures.js";
import { awaitServable, interrupted } from "../loading/await-copy.js";
import type { MeshContext } from "../mesh-context.js";
import { recordInvoke } from "../metrics/invoke-metrics.js";
import { forwardInference } from "../peer-wiring/inference-forward.js";
import { deregisterCopy } from "../registry/registry-writes.js";
import { driveRoute, localCopyGone, type Performed } from "../routing/drive-route.js";
import type { RoutingView } from "../routing/routing-view.js";
import { inSpan, MODEL_ID_ATTRIBUTE, SpanNames } from "../tracing/mesh-spans.js";
import { tracedSend } from "../tracing/traced-calls.js";
import type { CallForwarder } from "./relay-call.js";

/** What sending a call to the runtime gave: the result, or a failure before anything reached the client. */
export type Sent<T> =
  | { readonly kind: "done"; readonly value: T }
  | { readonly kind: "failed"; readonly error: MeshError };

/** One inference call for one model, read and validated, ready to route. */
export interface InferenceCall<T> {
  readonly modelId: string;
  /** The vmodel the client named, if any (for per-model metrics). */
  readonly vModelId?: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: readonly Buffer[];
  readonly balanced: boolean;
  /** Absolute deadline (`Date.now()` clock) from `grpc-timeout`. */
  readonly deadlineMs: number | undefined;
  readonly signal: AbortSignal;
  /** How the call reached this instance, for a call forwarded by a peer (hop and exclusions). */
  readonly hop?: Pick<RouteRequest, "hop" | "cacheHitExcludes" | "cacheMissExcludes">;
  /**
   * Trace context of a sampled call (tracing on): spans of this call are started under it.
   * Absent when tracing is off or the call is not sampled.
   */
  readonly trace?: Context;
  /** The call's logger (with its `MM_LOG_REQUEST_HEADERS` fields); the mesh's when absent. */
  readonly logger?: Logger;
  /**
   * Sends the call to the runtime (or, with `via`, to a peer): streams the answer to the
   * client, or collects it.
   */
  send(request: ForwardRequest, via?: CallForwarder): Promise<Sent<T>>;
}

/**
 * The runtime said it does not have the model (§2.6.5): forget it in the runtime client, drop
 * the entry without unloading, deregister the copy; routing then loads it again and retries.
 */
function purgeMissingCopy(ctx: MeshContext, entry: CopyEntry): void {
  const data = entry.data;
  ctx.logger.warn({ modelId: data.modelId }, "runtime does not have the model any more; reloading");
  ctx.runtime.models.handleServingNotFound(data.modelId);
  data.holdsRuntimeRef = false;
  removeEntry(ctx, entry, { alreadyUnloaded: true });
  if (data.registered) {
    void deregisterCopy(ctx, { modelId: data.modelId, loadTimestampMs: data.loadTimestampMs }).catch(
      () => undefined,
    );
  }
}

/** Logs one runtime invocation: at info with `MM_LOG_EACH_INVOKE`, else at debug (§10.3). */
function logInvoke(ctx: MeshContext, call: InferenceCall<unknown>): void {
  const log = call.logger ?? ctx.logger;
  const level = ctx.logEachInvoke ? "info" : log.isDebugEnabled() ? "debug" : undefined;
  if (level !== undefined) {
    log[level]({ modelId: call.modelId }, `invoking model runtime gRPC method: ${call.path.slice(1)}`);
  }
}

/** A call waiting longer than this for a permit checks that its copy is still in the cache. */
const PERMIT_RECHECK_MS = 100;

/**
 * Latency-based mode: waits for one of the copy's permits, at most until the call's deadline
 * (DEADLINE_EXCEEDED) or its cancellation (CANCELLED). Over the copy's bound the call fails with
 * "Model queue overload"; a copy removed while the call waited sends it elsewhere.
 */
async function admit<T>(
  ctx: MeshContext,
  call: InferenceCall<T>,
  entry: CopyEntry,
  admission: CopyAdmission,
): Promise<{ ok: true; release: ReleasePermit } | { ok: false; outcome: RouteOutcome }> {
  const startMs = Date.now();
  if (call.deadlineMs !== undefined && call.deadlineMs <= startMs) throw interrupted("deadline");
  const deadline = call.deadlineMs === undefined ? undefined : AbortSignal.timeout(call.deadlineMs - startMs);
  let release: ReleasePermit;
  try {
    release = await admission.acquire(
      deadline === undefined ? call.signal : AbortSignal.any([call.signal, deadline]),
    );
  } catch (error) {
    if (isMeshError(error) && error.code === "CAPACITY_EXHAUSTED") {
      return { ok: false, outcome: { kind: "failed", error } };
    }
    if (call.signal.aborted) throw interrupted("cancelled");
    if (deadline?.aborted) throw interrupted("deadline");
    throw error;
  }
  const waitedMs = Date.now() - startMs;
  ctx.metrics.requestQueued(call.modelId, waitedMs);
  if (waitedMs > PERMIT_RECHECK_MS && ctx.cache.peek(call.modelId) !== entry) {
    release();
    return { ok: false, outcome: localCopyGone(ctx, call.modelId) };
  }
  return { ok: true, release };
}

async function serveLocal<T>(
  ctx: MeshContext,
  view: RoutingView,
  call: InferenceCall<T>,
  entry: CopyEntry,
): Promise<Performed<T>> {
  const metrics = ctx.metrics;
  // Set when this call had to wait for the copy to load (a cache miss): when it started waiting.
  let missStartMs: number | undefined;
  if (!isServable(entry.state.kind)) {
    if (metrics.enabled) missStartMs = performance.now();
    try {
      await awaitServable(ctx, entry, {
        requestDriven: true,
        signal: call.signal,
        ...(call.deadlineMs === undefined ? {} : { deadlineMs: call.deadlineMs }),
      });
    } catch (error) {
      if (isMeshError(error) && error.code === "MODEL_NOT_HERE")
        return { done: false, outcome: localCopyGone(ctx, call.modelId) };
      if (isMeshError(error) && error.code === "LOAD_FAILED")
        return { done: false, outcome: { kind: "failed", error } };
      throw error;
    } finally {
      if (missStartMs !== undefined) metrics.cacheMiss(call.modelId, performance.now() - missStartMs);
    }
  } else if (metrics.enabled) {
    metrics.cacheHit(call.modelId);
  }
  ctx.cache.touch(entry);
  ctx.requests.record();
  ctx.modelRates.record(call.modelId);
  const data = entry.data;
  let release: ReleasePermit | undefined;
  if (data.admission !== undefined) {
    const admitted = await admit(ctx, call, entry, data.admission);
    if (!admitted.ok) return { done: false, outcome: admitted.outcome };
    release = admitted.release;
  }
  data.inFlight++;
  view.stats.inFlight++;
  const invokeStartMs = metrics.enabled ? performance.now() : 0;
  try {
    logInvoke(ctx, call);
    const request: ForwardRequest = {
      path: call.path,
      headers: runtimeRequestHeaders(call.headers, call.modelId),
      body: call.body,
      signal: call.signal,
      ...(call.deadlineMs === undefined ? {} : { timeoutMs: call.deadlineMs - Date.now() }),
    };
    const result =
      ctx.tracer === undefined || call.trace === undefined
        ? await call.send(request)
        : await tracedSend(
            ctx.tracer,
            SpanNames.runtimeCall,
            { parent: call.trace, attributes: { [MODEL_ID_ATTRIBUTE]: call.modelId } },
            request,
            (r) => call.send(r),
          );
    if (metrics.enabled) recordInvoke(ctx, { call, entry, result, invokeStartMs, missStartMs });
    if (result.kind === "done") return { done: true, value: result.value };
    if (result.error.code === "MODEL_NOT_HERE") {
      purgeMissingCopy(ctx, entry);
      return { done: false, outcome: { kind: "failed", error: result.error, localCopyGone: true } };
    }
    return { done: false, outcome: { kind: "failed", error: result.error } };
  } finally {
    release?.();
    data.inFlight--;
    if (data.inFlight === 0) data.afterCalls?.();
    view.stats.inFlight--;
    view.stats.lastInvokeMs = ctx.clock.nowMs();
  }
}

/**
 * Routes one inference call (§2.3): a cache hit is served from the in-memory snapshot and the
 * local cache with no store access; a miss loads the model here and serves once it is loaded.
 * With a peer service, copies on other instances and loads placed there are reached by
 * forwarding the call's bytes (hop `hit_only` / `load_local_only`).
 * Resolves when the response went to the client; rejects with the MeshError to answer with.
 */
export function routeInference<T>(ctx: MeshContext, view: RoutingView, call: InferenceCall<T>): Promise<T> {
  if (ctx.tracer === undefined || call.trace === undefined) return driveInference(ctx, view, call);
  const attributes = { [MODEL_ID_ATTRIBUTE]: call.modelId };
  return inSpan(
    ctx.tracer,
    SpanNames.route,
    { parent: call.trace, kind: "internal", attributes },
    (_, trace) => driveInference(ctx, view, { ...call, trace }),
  );
}

function driveInference<T>(ctx: MeshContext, view: RoutingView, call: InferenceCall<T>): Promise<T> {
  const peers = view.peers;
  return driveRoute(
    ctx,
    view,
    {
      kind: "inference",
      modelId: call.modelId,
      balanced: call.balanced,
      limitModelConcurrency: ctx.runtime.parameters.limitModelConcurrency,
      ...call.hop,
    },
    {
      requestDriven: true,
      ...(call.trace === undefined ? {} : { trace: call.trace }),
      serve: (entry) => serveLocal(ctx, view, call, entry),
      ...(peers === undefined
        ? {}
        : {
            forward: (step, state) => {
              ctx.metrics.forwarded(step.instanceId);
              return forwardInference(peers, ctx.tracer, call, step, state);
            },
          }),
      status: () => {
        throw new Error("inference routes never end with a status answer");
      },
    },
  );
}
