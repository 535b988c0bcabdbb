import { MeshError } from "../errors.js";

/** Routing budget across hit and miss attempts (§2.3, `MAX_ITERATIONS`). */
export const MAX_ITERATIONS = 8;
/** Recent load failures after which no new load is attempted (`MAX_LOAD_FAILURES`). */
export const MAX_LOAD_FAILURES = 3;
/** Live copies beyond which a model that cannot be invoked is not loaded again (`MAX_LOAD_LOCATIONS`). */
export const MAX_LOAD_LOCATIONS = 5;
/** The second "resource exhausted" answer is returned to the client (`MAX_RES_EXHAUSTED`). */
export const MAX_RES_EXHAUSTED = 2;
/** Default age under which a load failure is recent: half the 15-minute failure expiry. */
export const DEFAULT_IN_USE_LOAD_FAILURE_EXPIRY_MS = 450_000;

/** gRPC status code RESOURCE_EXHAUSTED. */
const GRPC_RESOURCE_EXHAUSTED = 8;

/**
 * How routing treats a failed attempt (§2.3 step 3, §2.7): try elsewhere and remember it
 * (`load-failed`, `internal`), try elsewhere (`not-here`), retry once then return
 * (`exhausted`), or return it now (`fatal`: not found, cancelled, deadline, other runtime
 * status codes, store and programming errors).
 */
export type FailureClass = "not-here" | "load-failed" | "internal" | "exhausted" | "fatal";

/** Classifies an attempt's error by its code. */
export function classifyFailure(error: MeshError): FailureClass {
  switch (error.code) {
    case "MODEL_NOT_HERE":
      return "not-here";
    case "LOAD_FAILED":
      return "load-failed";
    case "INTERNAL":
    case "INSTANCE_UNAVAILABLE":
      return "internal";
    case "CAPACITY_EXHAUSTED":
      return "exhausted";
    case "RUNTIME_ERROR":
      return error.details.grpcCode === GRPC_RESOURCE_EXHAUSTED ? "exhausted" : "fatal";
    default:
      return "fatal";
  }
}

/** The model is not registered. */
export function modelNotFound(modelId: string): MeshError {
  return new MeshError("MODEL_NOT_FOUND", "model not found", { modelId });
}

/** The model is not (or no longer) in this instance's cache. */
export function modelNotHere(modelId: string, instanceId: string): MeshError {
  return new MeshError("MODEL_NOT_HERE", `model ${modelId} is not loaded in instance ${instanceId}`, {
    modelId,
    instanceId,
  });
}

/** A load failure (`ModelLoadException`); `instanceId` where it happened, when known. */
export function loadFailure(message: string, instanceId?: string): MeshError {
  return new MeshError("LOAD_FAILED", message, instanceId === undefined ? {} : { instanceId });
}

/** An internal routing error (`InternalException`). */
export function internalError(message: string): MeshError {
  return new MeshError("INTERNAL", message);
}

/** What routing remembered of earlier attempts. */
export interface FailuresSeen {
  readonly loadFailureSeen?: MeshError | undefined;
  readonly internalFailureSeen?: MeshError | undefined;
  /** A copy's "resource exhausted" answer (see {@link nothingLeft}). */
  readonly exhaustedSeen?: MeshError | undefined;
}

/**
 * The error to end with when the budget is spent (§2.3 step 6), in priority order: a load
 * failure seen, an internal failure seen, the not-here of a load target that had no room
 * ("cache overflow"), else "8 retry iterations exhausted".
 */
export function iterationsExhausted(seen: FailuresSeen, cacheOverflow?: MeshError): MeshError {
  return (
    seen.loadFailureSeen ??
    seen.internalFailureSeen ??
    cacheOverflow ??
    nothingLeft(seen, internalError(`${MAX_ITERATIONS} retry iterations exhausted`))
  );
}

/**
 * The generic error of a route with nothing left to try, unless a copy answered "resource
 * exhausted" on the way: then that answer, so the client sees an overloaded model (retryable)
 * rather than a routing failure. The original returned the generic error.
 */
export function nothingLeft(seen: FailuresSeen, generic: MeshError): MeshError {
  return seen.exhaustedSeen ?? generic;
}

/** Formats labels as the original did (`Arrays.toString`): `[a, b]`. */
export function formatLabels(labels: readonly string[]): string {
  return `[${labels.join(", ")}]`;
}
