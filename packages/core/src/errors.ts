/**
 * The closed set of error codes the mesh uses internally. Each says what went wrong in domain
 * terms; the server maps them to gRPC status codes at its edge (never here).
 */
export const meshErrorCodes = [
  /** The model or vmodel id is not registered. */
  "MODEL_NOT_FOUND",
  /** The instance asked to serve a copy does not hold it (any more): try another copy. */
  "MODEL_NOT_HERE",
  /** Loading the model failed; `instanceId` says where. */
  "LOAD_FAILED",
  /** No room: cache churn limit, nothing fits, or a queue is full. */
  "CAPACITY_EXHAUSTED",
  /** A peer instance or the runtime could not be reached. */
  "INSTANCE_UNAVAILABLE",
  /** The runtime answered with a gRPC status code, kept in `grpcCode`. */
  "RUNTIME_ERROR",
  /** A compare-and-set lost against a concurrent write. */
  "STORE_CONFLICT",
  /** The KV store could not be reached; safe operations may be retried. */
  "STORE_UNAVAILABLE",
  /** A stored record could not be decoded; `key` names it. */
  "INVALID_DATA",
  /** The caller sent something invalid (missing id, bad header, bad config). */
  "INVALID_ARGUMENT",
  /** The entity exists with different attributes. */
  "ALREADY_EXISTS",
  /** The operation is not allowed in the current state (e.g. a referenced model). */
  "FAILED_PRECONDITION",
  /** The operation or method is not supported. */
  "UNIMPLEMENTED",
  /** The caller cancelled. */
  "CANCELLED",
  /** The caller's deadline passed. */
  "DEADLINE_EXCEEDED",
  /** Anything else: a bug, an exhausted retry budget, an unexpected state. */
  "INTERNAL",
] as const;

/** One of {@link meshErrorCodes}. */
export type MeshErrorCode = (typeof meshErrorCodes)[number];

const retryableCodes: ReadonlySet<MeshErrorCode> = new Set([
  "MODEL_NOT_HERE",
  "INSTANCE_UNAVAILABLE",
  "STORE_CONFLICT",
  "STORE_UNAVAILABLE",
]);

/** Optional facts an error carries across layers. */
export interface MeshErrorDetails {
  /** Instance where it happened (load failures, not-here). */
  readonly instanceId?: string;
  /** Model it concerns. */
  readonly modelId?: string;
  /** Store key it concerns (invalid data, conflicts). */
  readonly key?: string;
  /** gRPC status code number the runtime returned (`RUNTIME_ERROR`). */
  readonly grpcCode?: number;
}

/** Options for {@link MeshError}. */
export interface MeshErrorOptions extends MeshErrorDetails {
  /** The underlying error, kept for logs. */
  readonly cause?: unknown;
}

/**
 * The one error type of the mesh: a stable {@link MeshErrorCode}, a message for humans, optional
 * details and the original cause. Whether it may be retried is a property of the code.
 */
export class MeshError extends Error {
  override readonly name = "MeshError";
  readonly code: MeshErrorCode;
  readonly details: MeshErrorDetails;

  constructor(code: MeshErrorCode, message: string, options: MeshErrorOptions = {}) {
    const { cause, ...details } = options;
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.details = details;
  }

  /** True when trying again (elsewhere or later) can succeed. */
  get retryable(): boolean {
    return retryableCodes.has(this.code);
  }

  /**
   * Normalises anything thrown into a MeshError: MeshErrors (from any copy of this package)
   * pass through, other values become `fallbackCode` with their message and the value as cause.
   */
  static from(value: unknown, fallbackCode: MeshErrorCode = "INTERNAL"): MeshError {
    if (value instanceof MeshError) return value;
    if (isMeshError(value)) {
      return new MeshError(value.code, value.message, { ...value.details, cause: value });
    }
    const message = value instanceof Error ? value.message : String(value);
    return new MeshError(fallbackCode, message, { cause: value });
  }
}

/** True for a {@link MeshError}, checked by shape so it also works across package copies. */
export function isMeshError(value: unknown): value is MeshError {
  if (value instanceof MeshError) return true;
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as { name?: unknown; code?: unknown; message?: unknown };
  return (
    candidate.name === "MeshError" &&
    typeof candidate.message === "string" &&
    (meshErrorCodes as readonly unknown[]).includes(candidate.code)
  );
}

/** True when `value` is a MeshError with one of `codes`. */
export function hasMeshErrorCode(value: unknown, ...codes: MeshErrorCode[]): value is MeshError {
  return isMeshError(value) && codes.includes(value.code);
}
