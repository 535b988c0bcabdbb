import type { MeshError } from "../errors.js";
import type { ModelRecord } from "../records/types.js";
import { modelNotFound } from "./route-errors.js";
import type { CopyRef, RouteRequest, RouteStep, RoutingContext } from "./types.js";

/** Where a route is in the algorithm of §2.3. */
export type RoutePhase = "read-record" | "hit-only" | "hit" | "miss-entry" | "miss" | "done";

/** The step the driver is performing, whose outcome comes next. */
export type PendingStep =
  | "none"
  | "read-record"
  | "hit-only"
  | "forward-hit"
  | "serve-local"
  | "deregister"
  | "forward-load"
  | "load-local";

/**
 * The progress of one request through routing. It belongs to the request: only
 * {@link nextRouteStep} and {@link recordRouteOutcome} change it; read it for logs.
 */
export interface RouteState {
  readonly request: RouteRequest;
  readonly selfId: string;
  /** Client or internal request (may place loads), as opposed to a forwarded hop. */
  readonly external: boolean;
  /** Serve from a usable local copy without load balancing (§2.2). */
  readonly favourSelfForHits: boolean;
  /** Let the local copy win load-balancing ties (§2.2). */
  readonly preferSelfForHits: boolean;
  /** Last-used time passed on to loads and placement (0 = now; -1 for status requests). */
  readonly lastUsedMs: number;
  /** The registry record as this request knows it. */
  readonly record: ModelRecord | undefined;
  readonly phase: RoutePhase;
  readonly pending: PendingStep;
  /** Attempts counted against {@link MAX_ITERATIONS}. */
  readonly iterations: number;
  /** Copies tried (incoming `tas.ch_excludes` plus this request's). */
  readonly hitExcludes: readonly CopyRef[];
  /** Load targets tried (incoming `tas.cm_excludes` plus this request's). */
  readonly attempted: readonly string[];
  readonly loadFailureSeen: MeshError | undefined;
  readonly internalFailureSeen: MeshError | undefined;
  /** "Resource exhausted" answers so far. */
  readonly exhaustedCount: number;
  /** The last "resource exhausted" answer, returned when nothing else is left to try. */
  readonly exhaustedSeen: MeshError | undefined;
  /** This instance's copy was dropped from the cache: the record's entry for it no longer counts. */
  readonly selfCopyDropped: boolean;
  /** The last step handed out, repeated until its outcome is recorded. */
  readonly step: RouteStep | undefined;
}

/** The same state with its fields writable, for the routing functions. */
export type MutableRouteState = { -readonly [K in keyof RouteState]: RouteState[K] } & {
  hitExcludes: CopyRef[];
  attempted: string[];
};

/** Treats a state as writable (it is always created by {@link startRoute}). */
export function mutable(state: RouteState): MutableRouteState {
  return state as MutableRouteState;
}

function lastUsedFor(request: RouteRequest): number {
  if (request.kind === "inference") return 0;
  if (request.kind === "status") return -1;
  return Math.max(0, request.lastUsedMs ?? 0);
}

/**
 * Starts routing `request`: reads its record from the snapshot (one map lookup) and sets up
 * the flags of §2.2. Follow with {@link nextRouteStep}.
 */
export function startRoute(request: RouteRequest, ctx: RoutingContext): RouteState {
  const hop = request.hop ?? "external";
  const favourSelfForHits =
    (!request.limitModelConcurrency && request.balanced) || request.kind !== "inference";
  const state: MutableRouteState = {
    request,
    selfId: ctx.instances.selfId,
    external: hop === "external" || hop === "internal",
    favourSelfForHits,
    preferSelfForHits: !favourSelfForHits && request.balanced,
    lastUsedMs: lastUsedFor(request),
    record: undefined,
    phase: "hit",
    pending: "none",
    iterations: 0,
    hitExcludes: request.cacheHitExcludes === undefined ? [] : [...request.cacheHitExcludes],
    attempted: request.cacheMissExcludes === undefined ? [] : [...request.cacheMissExcludes],
    loadFailureSeen: undefined,
    internalFailureSeen: undefined,
    exhaustedCount: 0,
    exhaustedSeen: undefined,
    selfCopyDropped: false,
    step: undefined,
  };
  if (request.modelId === "") {
    finishWith(state, { kind: "fail", error: modelNotFound(request.modelId) });
  } else if (hop === "hit_only") {
    state.phase = "hit-only";
  } else {
    state.record = ctx.models.get(request.modelId);
    if (state.record === undefined) state.phase = "read-record";
  }
  return state;
}

/** Ends the route with `step` (a status answer or a failure). */
export function finishWith(state: MutableRouteState, step: RouteStep): RouteStep {
  state.phase = "done";
  state.pending = "none";
  state.step = step;
  return step;
}

/** True when the copy (`instanceId`, `loadTimestampMs`) was already tried. */
export function isHitExcluded(state: RouteState, instanceId: string, loadTimestampMs: number): boolean {
  const excludes = state.hitExcludes;
  for (let i = 0; i < excludes.length; i++) {
    const c = excludes[i] as CopyRef;
    if (c.instanceId === instanceId && c.loadTimestampMs === loadTimestampMs) return true;
  }
  return false;
}

/** True when this request may use the copy on `instanceId` started at `loadTimestampMs` (§2.3 step 2). */
export function isCandidateCopy(
  state: RouteState,
  ctx: RoutingContext,
  copy: { readonly instanceId: string; readonly loadTimestampMs: number },
): boolean {
  const id = copy.instanceId;
  if (id === state.selfId && state.selfCopyDropped) return false;
  if (state.request.explicitExcludes?.has(id)) return false;
  if (ctx.readOnly === true && !ctx.instances.records.has(id)) return false;
  return !isHitExcluded(state, id, copy.loadTimestampMs);
}

/** True when the record still lists a copy on this instance (after what this request learned). */
export function recordHasSelfCopy(state: RouteState): boolean {
  return (
    !state.selfCopyDropped &&
    state.record !== undefined &&
    Object.hasOwn(state.record.instanceIds, state.selfId)
  );
}
