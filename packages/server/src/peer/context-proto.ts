import { create } from "@bufbuild/protobuf";
import type { ModelCopyInfo, ModelStatus } from "@modelmesh/core";
import {
  CopyState,
  HopType,
  ModelState,
  type ModelStatusRequest,
  ModelStatusRequestSchema,
  type ModelStatusResponse,
  ModelStatusResponseSchema,
  type RoutingContext,
  RoutingContextSchema,
} from "@modelmesh/proto";
import {
  contextProblem,
  instanceIdsProblem,
  invalid,
  MAX_EXCLUDES,
  type PeerResult,
  type PeerRoutingContext,
} from "./routing-context.js";
import type { PeerStatusAnswer, PeerStatusRequest } from "./types.js";

/** The `RoutingContext` message of a context. */
export function contextToProto(context: PeerRoutingContext): RoutingContext {
  return create(RoutingContextSchema, {
    modelId: context.modelId,
    hop: context.hop === "hit_only" ? HopType.HIT_ONLY : HopType.LOAD_LOCAL_ONLY,
    cacheHitExcludes: context.cacheHitExcludes.map((c) => ({
      instanceId: c.instanceId,
      loadTimestampMs: BigInt(c.loadTimestampMs),
    })),
    cacheMissExcludes: [...context.cacheMissExcludes],
    ...(context.knownSizeUnits === undefined ? {} : { knownSizeUnits: BigInt(context.knownSizeUnits) }),
    ...(context.chainLoadCount === 0 ? {} : { chainLoadCount: context.chainLoadCount }),
    ...(context.weight === 1 ? {} : { weight: context.weight }),
    ...(context.destinationInstanceId === undefined
      ? {}
      : { destinationInstanceId: context.destinationInstanceId }),
    ...(context.vModelId === undefined ? {} : { vmodelId: context.vModelId }),
  });
}

/** A bigint as a number, or NaN when it is not a safe integer (validation then rejects it). */
function safeNumber(value: bigint): number {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : Number.NaN;
}

/** Reads and strictly validates a `RoutingContext` message (`INVALID_ARGUMENT` on garbage). */
export function contextFromProto(message: RoutingContext | undefined): PeerResult<PeerRoutingContext> {
  if (message === undefined) return invalid("missing");
  if (message.hop !== HopType.HIT_ONLY && message.hop !== HopType.LOAD_LOCAL_ONLY)
    return invalid(`unknown hop ${message.hop}`);
  if (message.cacheHitExcludes.length > MAX_EXCLUDES) return invalid(`more than ${MAX_EXCLUDES} excludes`);
  const context: PeerRoutingContext = {
    modelId: message.modelId,
    hop: message.hop === HopType.HIT_ONLY ? "hit_only" : "load_local_only",
    cacheHitExcludes: message.cacheHitExcludes.map((c) => ({
      instanceId: c.instanceId,
      loadTimestampMs: safeNumber(c.loadTimestampMs),
    })),
    cacheMissExcludes: message.cacheMissExcludes,
    ...(message.knownSizeUnits === undefined ? {} : { knownSizeUnits: safeNumber(message.knownSizeUnits) }),
    chainLoadCount: message.chainLoadCount ?? 0,
    weight: message.weight ?? 1,
    ...(message.destinationInstanceId === undefined
      ? {}
      : { destinationInstanceId: message.destinationInstanceId }),
    ...(message.vmodelId === undefined ? {} : { vModelId: message.vmodelId }),
  };
  const problem = contextProblem(context);
  return problem === undefined ? { ok: true, value: context } : invalid(problem);
}

/** The `ModelStatusRequest` message of a status / ensure-loaded request. */
export function statusRequestToProto(request: PeerStatusRequest): ModelStatusRequest {
  return create(ModelStatusRequestSchema, {
    context: contextToProto(request.context),
    load: request.load,
    sync: request.sync,
    lastUsedMs: BigInt(request.lastUsedMs),
    excludeInstances: [...request.excludeInstances],
  });
}

/** Reads and validates a `ModelStatusRequest` message (`INVALID_ARGUMENT` on garbage). */
export function statusRequestFromProto(message: ModelStatusRequest): PeerResult<PeerStatusRequest> {
  const context = contextFromProto(message.context);
  if (!context.ok) return context;
  const lastUsedMs = safeNumber(message.lastUsedMs);
  if (Number.isNaN(lastUsedMs)) return invalid("last-used time out of range");
  if (message.excludeInstances.length > MAX_EXCLUDES) return invalid(`more than ${MAX_EXCLUDES} excludes`);
  const tooLong = instanceIdsProblem("exclude instances", message.excludeInstances);
  if (tooLong !== undefined) return invalid(tooLong);
  return {
    ok: true,
    value: {
      context: context.value,
      load: message.load,
      sync: message.sync,
      lastUsedMs,
      excludeInstances: message.excludeInstances,
    },
  };
}

const stateByStatus: Readonly<Record<ModelStatus, ModelState>> = {
  UNKNOWN: ModelState.UNSPECIFIED,
  NOT_LOADED: ModelState.NOT_LOADED,
  LOADING: ModelState.LOADING,
  LOADED: ModelState.LOADED,
  LOADING_FAILED: ModelState.LOADING_FAILED,
  NOT_FOUND: ModelState.NOT_FOUND,
};

const statusByState = new Map<number, ModelStatus>(
  Object.entries(stateByStatus).map(([status, state]) => [state, status as ModelStatus]),
);

/** The `ModelStatusResponse` message of a status answer. */
export function statusAnswerToProto(answer: PeerStatusAnswer): ModelStatusResponse {
  return create(ModelStatusResponseSchema, {
    state: stateByStatus[answer.status],
    errors: [...answer.errors],
    copies: answer.copies.map((c) => ({
      instanceId: c.location,
      state: c.copyStatus === "LOADING_FAILED" ? CopyState.LOADING_FAILED : CopyState.REGISTERED,
      timeMs: BigInt(c.timeMs),
    })),
    instanceId: answer.instanceId,
  });
}

function copyFromProto(copy: ModelStatusResponse["copies"][number]): ModelCopyInfo | undefined {
  const timeMs = safeNumber(copy.timeMs);
  if (Number.isNaN(timeMs)) return undefined;
  if (copy.state === CopyState.REGISTERED)
    return { location: copy.instanceId, copyStatus: "UNKNOWN", timeMs };
  if (copy.state === CopyState.LOADING_FAILED)
    return { location: copy.instanceId, copyStatus: "LOADING_FAILED", timeMs };
  return undefined;
}

/**
 * Reads a `ModelStatusResponse` message; an unknown state or copy state, or an out-of-range time,
 * is reported as a string describing the garbage.
 */
export function statusAnswerFromProto(message: ModelStatusResponse): PeerStatusAnswer | string {
  const status = statusByState.get(message.state);
  if (status === undefined) return `unknown model state ${message.state}`;
  const copies: ModelCopyInfo[] = [];
  for (const copy of message.copies) {
    const info = copyFromProto(copy);
    if (info === undefined) return `malformed copy info for instance "${copy.instanceId}"`;
    copies.push(info);
  }
  return { status, errors: message.errors, copies, instanceId: message.instanceId };
}
