import type { MeshError } from "../errors.js";
import { hitStep } from "./hit-phase.js";
import { missEntry, missStep } from "./miss-phase.js";
import { modelNotFound, modelNotHere } from "./route-errors.js";
import { finishWith, type MutableRouteState, mutable, type RouteState } from "./route-state.js";
import type { RouteStep, RoutingContext } from "./types.js";

/**
 * Ends the route. A load failure of a status or ensureLoaded request from a client (or an
 * internal ensureLoaded) becomes a LOADING_FAILED answer instead of an error (§2.3, §13.3).
 */
export function finishRoute(state: MutableRouteState, step: RouteStep): RouteStep {
  if (
    step.kind === "fail" &&
    step.error.code === "LOAD_FAILED" &&
    state.external &&
    state.request.kind !== "inference"
  ) {
    const record = state.record;
    return finishWith(state, {
      kind: "status",
      status: "LOADING_FAILED",
      failure: step.error,
      ...(record === undefined ? {} : { record }),
    });
  }
  return finishWith(state, step);
}

/** Ends the route with `error` (after the status conversion of {@link finishRoute}). */
export function failRoute(state: MutableRouteState, error: MeshError): RouteStep {
  return finishRoute(state, { kind: "fail", error });
}

function decide(state: MutableRouteState, ctx: RoutingContext): RouteStep {
  const modelId = state.request.modelId;
  if (state.phase === "read-record") {
    state.pending = "read-record";
    return { kind: "read-record", modelId };
  }
  if (state.phase === "hit-only") {
    // A `hit_only` hop never forwards: the local copy or not-here (§2.3 step 0).
    const entry = ctx.cache.get(modelId);
    if (entry === undefined) return { kind: "fail", error: modelNotHere(modelId, state.selfId) };
    state.pending = "hit-only";
    return { kind: "serve-local", loadTimestampMs: entry.loadTimestampMs };
  }
  const record = state.record;
  if (record === undefined) return { kind: "fail", error: modelNotFound(modelId) };
  if (state.phase === "hit") {
    const step = hitStep(state, ctx, record);
    if (step !== undefined) return step;
    state.phase = "miss-entry";
  }
  if (state.phase === "miss-entry") {
    const step = missEntry(state, ctx, record);
    if (step !== undefined) return step;
    state.phase = "miss";
  }
  return missStep(state, ctx, record);
}

/**
 * Decides what the driver does next for this request (§2.3): serve locally, forward to a
 * copy or a load target, load here, fix a stale registration, read the record, answer a
 * status, or fail. Calling it again before {@link recordRouteOutcome} returns the same step.
 * On the common cache hit it reads a few map entries and allocates only the step.
 */
export function nextRouteStep(state: RouteState, ctx: RoutingContext): RouteStep {
  const s = mutable(state);
  if (s.step !== undefined) return s.step;
  const step = decide(s, ctx);
  if (step.kind === "fail" || step.kind === "status") return finishRoute(s, step);
  s.step = step;
  return step;
}
