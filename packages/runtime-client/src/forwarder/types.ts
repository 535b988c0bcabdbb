import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http2";
import type { MeshError } from "@modelmesh/core";
import type { GrpcStatus } from "../grpc-status.js";

/** One gRPC call to forward. */
export interface ForwardRequest {
  /** Request path, `/<package>.<Service>/<Method>`. */
  readonly path: string;
  /**
   * Headers to send, already filtered (see `runtimeRequestHeaders`): no pseudo-headers. The
   * forwarder adds `:method`, `:path`, `te: trailers`, `content-type` (application/grpc) when
   * missing, and `grpc-timeout` from `timeoutMs`.
   */
  readonly headers: OutgoingHttpHeaders;
  /** The request's length-prefixed message bytes, complete, passed on as they are. */
  readonly body: Uint8Array | readonly Uint8Array[];
  /** Deadline, ms from now: sent as `grpc-timeout` and enforced here (DEADLINE_EXCEEDED). */
  readonly timeoutMs?: number;
  /** Aborting cancels the call: RST_STREAM(CANCEL) to the endpoint, CANCELLED to the sink. */
  readonly signal?: AbortSignal;
}

/**
 * Receives one forwarded call's response, in order: `onHeaders` once, `onData` zero or more
 * times, then exactly one of `onTrailers` or `onError`; or `onError` alone. Callbacks run
 * synchronously on the response's events and must not throw.
 *
 * - `onHeaders` comes with the first body bytes (or with OK trailers), never earlier, so an error
 *   answered before any body — including a trailers-only error — arrives as `onError(e, false)`
 *   with nothing sent yet: the caller may still retry elsewhere (`e.retryable`).
 * - `onData` chunks are raw gRPC frames exactly as received (not re-framed, not decoded).
 * - `onTrailers` ends the call as the endpoint ended it, OK or not (an error status after body
 *   bytes is passed through here, for the caller to relay).
 * - `onError(e, true)` means the response had started (headers, maybe data, were delivered) and
 *   then failed locally: connection lost, deadline, cancellation or an over-size message.
 */
export interface ForwardSink {
  /** Response headers as received, including `:status` (200). */
  onHeaders(headers: IncomingHttpHeaders): void;
  /** Raw response bytes. */
  onData(chunk: Buffer): void;
  /** Trailers as received (`grpc-status`, `grpc-message`, ...). */
  onTrailers(trailers: IncomingHttpHeaders): void;
  onError(error: MeshError, responseStarted: boolean): void;
}

/** Controls one call in flight. */
export interface ForwardHandle {
  /** Stops reading the response (back-pressure); the endpoint's flow control then holds it. */
  pause(): void;
  resume(): void;
  /** Cancels the call (as an aborted `signal`). */
  cancel(): void;
}

/**
 * Turns an error status from the endpoint into the core's typed error. `method` is `pkg.Svc/Method`;
 * `metadata` is the headers or trailers block that carried the status (the response headers for a
 * non-200 HTTP answer), for endpoints that add typed error details there (mesh peers do).
 */
export type ErrorTranslator = (
  method: string,
  status: GrpcStatus,
  metadata: IncomingHttpHeaders,
) => MeshError;
