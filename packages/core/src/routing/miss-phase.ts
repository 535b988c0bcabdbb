import { checkChurn } from "../cache/sizing.js";
import type { MeshError } from "../errors.js";
import { placeModel } from "../placement/place-model.js";
import { type ReadonlySetLike, remainingUnits } from "../placement/types.js";
import type { ModelRecord } from "../records/types.js";
import {
  DEFAULT_IN_USE_LOAD_FAILURE_EXPIRY_MS,
  formatLabels,
  internalError,
  loadFailure,
  MAX_LOAD_FAILURES,
  MAX_LOAD_LOCATIONS,
  nothingLeft,
} from "./route-errors.js";
import { type MutableRouteState, recordHasSelfCopy } from "./route-state.js";
import type { RouteStep, RoutingContext } from "./types.js";

/** The instance with the most recent failure in `record`, if any. */
function mostRecentFailure(record: ModelRecord): string | undefined {
  let latest: string | undefined;
  let latestMs = Number.NEGATIVE_INFINITY;
  for (const id in record.failedIn) {
    const atMs = record.failedIn[id] as number;
    if (atMs > latestMs) {
      latest = id;
      latestMs = atMs;
    }
  }
  return latest;
}

/** The recorded failure of `instanceId` as an error (its message, or a generic one when lost). */
function recordedFailure(record: ModelRecord, instanceId: string): MeshError {
  const message = Object.hasOwn(record.failureMessages, instanceId)
    ? record.failureMessages[instanceId]
    : undefined;
  return loadFailure(message ?? "model load failed", instanceId);
}

function latestRecordedFailure(record: ModelRecord): MeshError | undefined {
  const id = mostRecentFailure(record);
  return id === undefined ? undefined : recordedFailure(record, id);
}

/** ≥ 3 failures younger than the in-use expiry → the latest one, without a new attempt (§2.3 step 4). */
function tooManyFailures(
  state: MutableRouteState,
  ctx: RoutingContext,
  record: ModelRecord,
): MeshError | undefined {
  const cutoffMs =
    ctx.clock.nowMs() - (ctx.inUseLoadFailureExpiryMs ?? DEFAULT_IN_USE_LOAD_FAILURE_EXPIRY_MS);
  let recent = 0;
  for (const id in record.failedIn) {
    if ((record.failedIn[id] as number) > cutoffMs) recent++;
  }
  if (recent < MAX_LOAD_FAILURES) return undefined;
  return state.loadFailureSeen ?? latestRecordedFailure(record);
}

/** Registered in ≥ 5 live instances and still not invoked → stop (§2.3 step 4). */
function tooManyLocations(
  state: MutableRouteState,
  ctx: RoutingContext,
  record: ModelRecord,
): MeshError | undefined {
  let count = 0;
  for (const id in record.instanceIds) {
    if (id === state.selfId && state.selfCopyDropped) continue;
    if (state.request.explicitExcludes?.has(id) || !ctx.instances.records.has(id)) continue;
    if (++count >= MAX_LOAD_LOCATIONS) {
      return (
        state.internalFailureSeen ??
        loadFailure(`Failed to invoke model loaded in >=${count} locations`, state.selfId)
      );
    }
  }
  return undefined;
}

/**
 * Entering the miss phase (§2.3 step 4): answer status requests, refuse after too many
 * failures or locations, and on a `load_local_only` hop rethrow what was seen when this
 * instance already holds or failed the model. Returns a final step, or undefined to go on.
 */
export function missEntry(
  state: MutableRouteState,
  ctx: RoutingContext,
  record: ModelRecord,
): RouteStep | undefined {
  if (state.request.kind === "status") {
    const failed = state.loadFailureSeen !== undefined || Object.keys(record.failedIn).length > 0;
    if (!failed) return { kind: "status", status: "NOT_LOADED", record };
    const failure = state.loadFailureSeen;
    return {
      kind: "status",
      status: "LOADING_FAILED",
      record,
      ...(failure === undefined ? {} : { failure }),
    };
  }
  const refused = tooManyFailures(state, ctx, record) ?? tooManyLocations(state, ctx, record);
  if (refused !== undefined) return fail(refused);
  if (state.external) return undefined;
  if (recordHasSelfCopy(state)) {
    return fail(
      state.internalFailureSeen ?? state.loadFailureSeen ?? internalError("Cluster routing state error"),
    );
  }
  if (Object.hasOwn(record.failedIn, state.selfId)) {
    return fail(state.loadFailureSeen ?? recordedFailure(record, state.selfId));
  }
  return undefined;
}

function fail(error: MeshError): RouteStep {
  return { kind: "fail", error };
}

/** The type's allowed instances and the label check of §2.3 step 5 (pre-check before any load). */
function typeConstraintFailure(
  state: MutableRouteState,
  ctx: RoutingContext,
  record: ModelRecord,
): MeshError | undefined {
  const allowed = ctx.typeConstraints?.allowedInstances(record.type);
  if (allowed === undefined) return undefined;
  const labels = () => formatLabels(ctx.typeConstraints?.requiredLabels(record.type) ?? []);
  if (state.external) {
    if (allowed.size > 0) return undefined;
    return loadFailure(
      `There are no running instances that meet the label requirements of type ${record.type}: ${labels()}`,
    );
  }
  if (allowed.has(state.selfId)) return undefined;
  return loadFailure(
    `Instance does not have all required labels for type ${record.type}: ${labels()}`,
    state.selfId,
  );
}

/** The union of every reason not to load on an instance, as a set view (no copy). */
function missExcludes(state: MutableRouteState, record: ModelRecord): ReadonlySetLike {
  return {
    has: (id) =>
      state.attempted.includes(id) ||
      (Object.hasOwn(record.instanceIds, id) && !(id === state.selfId && state.selfCopyDropped)) ||
      Object.hasOwn(record.failedIn, id) ||
      state.request.explicitExcludes?.has(id) === true,
  };
}

/** `throwIfLocalLoadNotAllowed` of the original: why this instance may not load, if it may not. */
function localLoadRefusal(
  state: MutableRouteState,
  ctx: RoutingContext,
  record: ModelRecord,
): MeshError | undefined {
  const excluded = state.external && missExcludes(state, record).has(state.selfId);
  const allowed = ctx.typeConstraints?.allowedInstances(record.type);
  if (!excluded && (allowed === undefined || allowed.has(state.selfId))) return undefined;
  if (!state.external) return internalError("Cluster routing error");
  return (
    state.loadFailureSeen ??
    latestRecordedFailure(record) ??
    state.internalFailureSeen ??
    nothingLeft(state, loadFailure("Nowhere available to load"))
  );
}

/** The churn guard of the cache (§4.5) on this instance's fresh record: refuse to thrash. */
function churnRefusal(state: MutableRouteState, ctx: RoutingContext): MeshError | undefined {
  const self = ctx.freshSelfRecord?.() ?? ctx.instances.records.get(state.selfId);
  if (self === undefined) return undefined;
  const decision = checkChurn({
    remainingUnits: remainingUnits(self),
    fullThreshold: ctx.instances.minSpaceUnits,
    lruTimeMs: self.lruTimeMs,
    nowMs: ctx.clock.nowMs(),
    minChurnAgeMs: ctx.instances.minChurnAgeMs,
  });
  return decision.allowed ? undefined : loadFailure("Cache churn threshold exceeded", state.selfId);
}

/**
 * One turn of the cache-miss loop (§2.3 step 5): check type constraints, place the load
 * (client requests only) and forward it, or load here when allowed.
 */
export function missStep(state: MutableRouteState, ctx: RoutingContext, record: ModelRecord): RouteStep {
  const constraintFailure = typeConstraintFailure(state, ctx, record);
  if (constraintFailure !== undefined) return fail(constraintFailure);
  let placement: ReturnType<typeof placeModel> | undefined;
  if (state.external) {
    placement = place(state, ctx, record);
    if (placement.decision.kind === "forward") {
      const target = placement.decision.instanceId;
      const step: RouteStep = {
        kind: "forward-load",
        instanceId: target,
        cacheHitExcludes: [...state.hitExcludes],
        cacheMissExcludes: [...state.attempted],
        placement,
      };
      state.attempted.push(target);
      state.pending = "forward-load";
      return step;
    }
  }
  const refusal = localLoadRefusal(state, ctx, record) ?? churnRefusal(state, ctx);
  if (refusal !== undefined) return fail(refusal);
  state.pending = "load-local";
  return placement === undefined ? { kind: "load-local" } : { kind: "load-local", placement };
}

function place(
  state: MutableRouteState,
  ctx: RoutingContext,
  record: ModelRecord,
): ReturnType<typeof placeModel> {
  const constraints = ctx.typeConstraints;
  const allowed = constraints?.allowedInstances(record.type);
  const preferred = constraints?.preferredInstances(record.type);
  const selfRecord = ctx.freshSelfRecord?.();
  const explicit = state.request.explicitExcludes;
  return placeModel({
    table: ctx.instances,
    model: state.selfCopyDropped ? withoutCopy(record, state.selfId) : record,
    lastUsedMs: state.lastUsedMs,
    balanced: state.request.balanced,
    attempted: { has: (id) => state.attempted.includes(id) },
    isReachable: (id) => ctx.peers.isReachable(id),
    nowMs: ctx.clock.nowMs(),
    random: ctx.random,
    ...(selfRecord === undefined ? {} : { selfRecord }),
    ...(explicit === undefined ? {} : { explicitExcludes: explicit }),
    ...(allowed === undefined ? {} : { allowedInstances: allowed }),
    ...(preferred === undefined ? {} : { preferredInstances: preferred }),
    ...(ctx.replacedReplicaSets === undefined ? {} : { replacedReplicaSets: ctx.replacedReplicaSets }),
  });
}

/** The record without the copy on `instanceId` (this request learned it is gone). */
function withoutCopy(record: ModelRecord, instanceId: string): ModelRecord {
  const { [instanceId]: _gone, ...instanceIds } = record.instanceIds;
  return { ...record, instanceIds };
}
