import { MeshError } from "../errors.js";
import type { ModelRecord } from "../records/types.js";
import { failRoute } from "./next-step.js";
import {
  classifyFailure,
  iterationsExhausted,
  loadFailure,
  MAX_ITERATIONS,
  MAX_RES_EXHAUSTED,
  modelNotFound,
  modelNotHere,
} from "./route-errors.js";
import { type MutableRouteState, mutable, type RouteState } from "./route-state.js";
import type { RouteOutcome, RouteStep } from "./types.js";

type Failed = Extract<RouteOutcome, { kind: "failed" }>;

/** A driver bug: an outcome that the step cannot have. */
function unexpected(step: RouteStep, outcome: RouteOutcome): MeshError {
  return new MeshError("INTERNAL", `routing got outcome "${outcome.kind}" for step "${step.kind}"`);
}

/** Counts an attempt; at the budget ends the route with the error of §2.3 step 6. */
function countIteration(state: MutableRouteState, phase: "hit" | "miss", cacheOverflow?: MeshError): void {
  state.iterations++;
  if (state.iterations >= MAX_ITERATIONS) {
    failRoute(state, iterationsExhausted(state, cacheOverflow));
    return;
  }
  state.phase = phase;
}

/** Takes a fresh record; a deleted model ends the route. Returns false when it ended. */
function refresh(state: MutableRouteState, record: ModelRecord | undefined): boolean {
  if (record === undefined) {
    failRoute(state, modelNotFound(state.request.modelId));
    return false;
  }
  state.record = record;
  state.selfCopyDropped = false;
  return true;
}

/**
 * Remembers a failed attempt (§2.3 step 3). `local`: the failure came from this instance's
 * own copy, where "resource exhausted" also counts as an internal failure. Returns false
 * when the route ended.
 */
function remember(state: MutableRouteState, outcome: Failed, local: boolean): boolean {
  const { error } = outcome;
  switch (classifyFailure(error)) {
    case "not-here":
      if (local && outcome.localCopyGone === true) state.selfCopyDropped = true;
      return true;
    case "load-failed":
      state.loadFailureSeen = error;
      return true;
    case "internal":
      state.internalFailureSeen = error;
      return true;
    case "exhausted":
      if (++state.exhaustedCount >= MAX_RES_EXHAUSTED) break;
      if (local) state.internalFailureSeen = error;
      state.exhaustedSeen = error;
      return true;
    case "fatal":
      break;
  }
  failRoute(state, error);
  return false;
}

function afterHitAttempt(state: MutableRouteState, outcome: RouteOutcome, step: RouteStep): void {
  const local = step.kind === "serve-local";
  if (outcome.kind === "record-changed" && local) {
    // The local entry had failed without the registry knowing; it was cleaned up (§2.3).
    const stamp = step.loadTimestampMs;
    const i = state.hitExcludes.findIndex(
      (c) => c.instanceId === state.selfId && c.loadTimestampMs === stamp,
    );
    if (i >= 0) state.hitExcludes.splice(i, 1);
    if (refresh(state, outcome.record)) countIteration(state, "hit");
    return;
  }
  if (outcome.kind !== "failed") throw unexpected(step, outcome);
  if (remember(state, outcome, local)) countIteration(state, "hit");
}

function afterDeregister(state: MutableRouteState, outcome: RouteOutcome, step: RouteStep): void {
  if (outcome.kind === "record-changed") {
    if (refresh(state, outcome.record)) countIteration(state, "hit");
    return;
  }
  if (outcome.kind !== "failed" || step.kind !== "deregister-self") throw unexpected(step, outcome);
  const code = outcome.error.code;
  if (code === "CANCELLED" || code === "DEADLINE_EXCEEDED") {
    failRoute(state, outcome.error);
    return;
  }
  // The stale registration could not be removed: treat the copy as failed here (§2.3).
  state.hitExcludes.push({ instanceId: state.selfId, loadTimestampMs: step.loadTimestampMs });
  state.loadFailureSeen = loadFailure(
    `KV store error attempting to prune model record: ${outcome.error.message}`,
    state.selfId,
  );
  countIteration(state, "hit");
}

function afterForwardLoad(state: MutableRouteState, outcome: RouteOutcome, step: RouteStep): void {
  if (outcome.kind !== "failed") throw unexpected(step, outcome);
  if (!remember(state, outcome, false)) return;
  const overflow = classifyFailure(outcome.error) === "not-here" ? outcome.error : undefined;
  countIteration(state, "miss", overflow);
}

function afterLocalLoad(state: MutableRouteState, outcome: RouteOutcome): void {
  if (outcome.kind === "record-changed") {
    // Registrations changed while registering the copy: back to the hit loop (INSTANCES_CHANGED).
    if (refresh(state, outcome.record)) countIteration(state, "hit");
    return;
  }
  state.attempted.push(state.selfId);
  if (outcome.kind === "fell-through") {
    const { modelId } = state.request;
    if (state.request.kind === "inference") {
      failRoute(state, loadFailure(`Entry too old for cache for model ${modelId}`, state.selfId));
    } else if (!state.external) {
      failRoute(state, modelNotHere(modelId, state.selfId));
    } else {
      countIteration(state, "miss", modelNotHere(modelId, state.selfId));
    }
    return;
  }
  const cls = classifyFailure(outcome.error);
  if (cls === "not-here") {
    state.attempted.pop();
  } else if (!state.external) {
    // A load target reports its own failure upstream instead of trying elsewhere.
    failRoute(state, outcome.error);
    return;
  }
  if (remember(state, outcome, true)) countIteration(state, "miss");
}

/**
 * Feeds the outcome of the step last returned by {@link nextRouteStep} back into the route
 * (success ends the request and is not reported). Returns the same state, updated; then ask
 * {@link nextRouteStep} again.
 *
 * @throws MeshError `INTERNAL` when no step is in progress or the outcome does not fit the
 *   step (a driver bug).
 */
export function recordRouteOutcome(state: RouteState, outcome: RouteOutcome): RouteState {
  const s = mutable(state);
  const step = s.step;
  if (s.phase === "done" || s.pending === "none" || step === undefined) {
    throw new MeshError("INTERNAL", "recordRouteOutcome() called with no routing step in progress");
  }
  const pending = s.pending;
  s.step = undefined;
  s.pending = "none";
  switch (pending) {
    case "read-record":
      if (outcome.kind === "failed") failRoute(s, outcome.error);
      else if (outcome.kind === "record-changed" && refresh(s, outcome.record)) s.phase = "hit";
      else if (outcome.kind === "fell-through") throw unexpected(step, outcome);
      break;
    case "hit-only":
      if (outcome.kind !== "failed") throw unexpected(step, outcome);
      failRoute(s, outcome.error);
      break;
    case "forward-hit":
    case "serve-local":
      afterHitAttempt(s, outcome, step);
      break;
    case "deregister":
      afterDeregister(s, outcome, step);
      break;
    case "forward-load":
      afterForwardLoad(s, outcome, step);
      break;
    case "load-local":
      afterLocalLoad(s, outcome);
      break;
  }
  return s;
}
