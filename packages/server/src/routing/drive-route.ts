import {
  MeshError,
  nextRouteStep,
  type RouteOutcome,
  type RouteRequest,
  type RouteState,
  type RouteStep,
  recordRouteOutcome,
  startRoute,
} from "@modelmesh/core";
import type { Context } from "@opentelemetry/api";
import type { CopyEntry } from "../cache/copy-data.js";
import { loadLocal } from "../loading/load-local.js";
import type { MeshContext } from "../mesh-context.js";
import { deregisterCopy } from "../registry/registry-writes.js";
import type { RoutingView } from "./routing-view.js";

/** What serving from a local copy produced: the answer, or an outcome for routing to act on. */
export type Performed<T> =
  | { readonly done: true; readonly value: T }
  | { readonly done: false; readonly outcome: RouteOutcome };

/** The request-specific half of routing: how to use a local copy and how to answer a status step. */
export interface RoutePerformer<T> {
  /** A client request waits on loads it triggers (they overtake background loads). */
  readonly requestDriven: boolean;
  /** Trace context of a sampled inference call: loads it starts get spans under it. */
  readonly trace?: Context;
  /** Serves (inference) or inspects (status, ensureLoaded) the local copy. */
  serve(entry: CopyEntry, state: RouteState): Promise<Performed<T>>;
  /** Answers a status step (status and ensureLoaded requests only). */
  status(step: Extract<RouteStep, { kind: "status" }>, state: RouteState): T;
  /**
   * Sends the request to another instance (forward-hit, forward-load) through the peer layer.
   * Absent (no peer service): the peer cannot be reached, and routing moves on.
   */
  forward?(
    step: Extract<RouteStep, { kind: "forward-hit" | "forward-load" }>,
    state: RouteState,
  ): Promise<Performed<T>>;
}

/** The not-here outcome of a local copy that is gone: this instance may load it again. */
export function localCopyGone(ctx: MeshContext, modelId: string): RouteOutcome {
  return {
    kind: "failed",
    error: new MeshError("MODEL_NOT_HERE", `model ${modelId} is not loaded in instance ${ctx.selfId}`, {
      modelId,
      instanceId: ctx.selfId,
    }),
    localCopyGone: true,
  };
}

async function perform<T>(
  ctx: MeshContext,
  step: RouteStep,
  state: RouteState,
  performer: RoutePerformer<T>,
): Promise<Performed<T>> {
  const modelId = state.request.modelId;
  switch (step.kind) {
    case "read-record": {
      const record = await ctx.registry.get(modelId);
      return { done: false, outcome: { kind: "record-changed", record: record?.value } };
    }
    case "deregister-self": {
      try {
        const record = await deregisterCopy(ctx, { modelId, loadTimestampMs: step.loadTimestampMs });
        return { done: false, outcome: { kind: "record-changed", record } };
      } catch (error) {
        return {
          done: false,
          outcome: { kind: "failed", error: MeshError.from(error, "STORE_UNAVAILABLE") },
        };
      }
    }
    case "forward-hit":
    case "forward-load": {
      if (performer.forward !== undefined) return performer.forward(step, state);
      // No peer service (single instance): the peer cannot be reached.
      const error = new MeshError("INSTANCE_UNAVAILABLE", `instance ${step.instanceId} cannot be reached`);
      return { done: false, outcome: { kind: "failed", error } };
    }
    case "serve-local": {
      const entry = ctx.cache.peek(modelId);
      if (entry === undefined) return { done: false, outcome: localCopyGone(ctx, modelId) };
      return performer.serve(entry, state);
    }
    case "load-local": {
      const loaded = await loadLocal(ctx, {
        modelId,
        record: state.record,
        lastUsedMs: state.lastUsedMs,
        requestDriven: performer.requestDriven,
        ...(performer.trace === undefined ? {} : { trace: performer.trace }),
      });
      if (loaded.kind === "outcome") return { done: false, outcome: loaded.outcome };
      return performer.serve(loaded.entry, state);
    }
    case "status":
      return { done: true, value: performer.status(step, state) };
    case "fail":
      throw step.error;
  }
}

/**
 * Runs the core's routing state machine (§2.3) for one request: asks for the next step,
 * performs it (serve or load here, read or fix the record), feeds the outcome back, until an
 * answer or a final error (a MeshError, mapped to a status at the edge).
 */
export async function driveRoute<T>(
  ctx: MeshContext,
  view: RoutingView,
  request: RouteRequest,
  performer: RoutePerformer<T>,
): Promise<T> {
  const state = startRoute(request, view.context);
  for (;;) {
    const step = nextRouteStep(state, view.context);
    const result = await perform(ctx, step, state, performer);
    if (result.done) return result.value;
    recordRouteOutcome(state, result.outcome);
  }
}
