import { isMeshError, MeshError, type MeshErrorCode } from "@modelmesh/core";
import { isBrokenCircuitError } from "cockatiel";
import {
  ClientClosedError,
  EtcdAuthenticationFailedError,
  EtcdInvalidAuthTokenError,
  EtcdLeaseInvalidError,
  EtcdPermissionDeniedError,
  EtcdWatchStreamEnded,
  GRPCAbortedError,
  GRPCCancelledError,
  GRPCDeadlineExceededError,
  GRPCInternalError,
  GRPCInvalidArgumentError,
  GRPCResourceExhastedError,
  GRPCUnauthenticatedError,
  GRPCUnavailableError,
  GRPCUnknownError,
} from "etcd3";
import { WriteNotSentError } from "./guarded-write.js";

interface ErrorCase {
  readonly matches: (error: unknown) => boolean;
  readonly code: MeshErrorCode;
  /** True when the request certainly never reached etcd, so even a write may be sent again. */
  readonly notSent?: boolean;
}

const instanceOf =
  (...types: (abstract new (...args: never[]) => Error)[]) =>
  (error: unknown) =>
    types.some((type) => error instanceof type);

/** Network-level Node error codes (from sockets or DNS) that mean "etcd cannot be reached now". */
const networkErrorCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
]);

/**
 * The one table from etcd / gRPC / Node failures to mesh errors, first match wins. Every
 * `STORE_UNAVAILABLE` is retryable by the caller; for a write it also means "outcome unknown: read
 * again before deciding" (§1.6), unless `notSent`.
 */
const errorTable: readonly ErrorCase[] = [
  // A circuit breaker refused the call: the endpoint failed several times in a row and is rested
  // for a moment. The request never left this process.
  { matches: isBrokenCircuitError, code: "STORE_UNAVAILABLE", notSent: true },
  // UNAVAILABLE: connection refused or reset, endpoint down, no leader. The etcd clients the
  // original used retry these too (§1.1).
  { matches: instanceOf(GRPCUnavailableError), code: "STORE_UNAVAILABLE" },
  // The per-call deadline passed: etcd is slow or unreachable; a write may or may not have applied.
  { matches: instanceOf(GRPCDeadlineExceededError), code: "STORE_UNAVAILABLE" },
  // The client tore the channel down under the call (after a failure on it): same as a lost connection.
  { matches: instanceOf(GRPCCancelledError, EtcdWatchStreamEnded), code: "STORE_UNAVAILABLE" },
  // etcd's own transient refusals: "leader changed", "request timed out", "too many requests",
  // and stream resets surfacing as INTERNAL / UNKNOWN / ABORTED.
  {
    matches: instanceOf(GRPCInternalError, GRPCUnknownError, GRPCAbortedError, GRPCResourceExhastedError),
    code: "STORE_UNAVAILABLE",
  },
  // The session lease expired (e.g. while partitioned); the session re-creates it (§1.6 "Leases").
  { matches: instanceOf(EtcdLeaseInvalidError), code: "STORE_UNAVAILABLE" },
  // Wrong credentials or missing permissions: retrying cannot help, the configuration must change.
  {
    matches: instanceOf(
      EtcdAuthenticationFailedError,
      EtcdInvalidAuthTokenError,
      EtcdPermissionDeniedError,
      GRPCUnauthenticatedError,
    ),
    code: "FAILED_PRECONDITION",
  },
  // etcd refused the request itself: too many operations in one transaction, request too large.
  { matches: instanceOf(GRPCInvalidArgumentError), code: "INVALID_ARGUMENT" },
  // Used after close(): a programming error in the caller's shutdown order.
  { matches: instanceOf(ClientClosedError), code: "FAILED_PRECONDITION" },
  // Socket and DNS errors that escaped gRPC's own mapping.
  {
    matches: (error) => networkErrorCodes.has(String((error as { code?: unknown } | null)?.code)),
    code: "STORE_UNAVAILABLE",
  },
];

/** A failure translated at the adapter's boundary. */
export interface TranslatedError {
  readonly error: MeshError;
  /** The request certainly did not reach etcd (safe to send again, even a write). */
  readonly notSent: boolean;
}

/**
 * Translates anything the etcd client threw into a `MeshError` (see the table above); `what`
 * names the operation for the message. MeshErrors pass through unchanged.
 */
export function translateEtcdError(error: unknown, what: string): TranslatedError {
  if (isMeshError(error)) return { error, notSent: false };
  if (error instanceof WriteNotSentError) {
    // The write never left: its code is the liveness check's, and it may be sent again.
    const check = translateEtcdError(error.cause, what).error;
    if (check.code === "CANCELLED") return { error: check, notSent: true };
    const reason = error.cause instanceof Error ? error.cause.message : String(error.cause);
    return {
      error: new MeshError(check.code, `etcd ${what} not sent: etcd did not answer first: ${reason}`, {
        cause: error.cause,
      }),
      notSent: true,
    };
  }
  const found = errorTable.find((entry) => entry.matches(error));
  const reason = error instanceof Error ? error.message : String(error);
  return {
    error: new MeshError(found?.code ?? "INTERNAL", `etcd ${what} failed: ${reason}`, { cause: error }),
    notSent: found?.notSent === true,
  };
}
