import type { Http2ServerRequest, IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import type { MeshError, ModelStatusDetails } from "@modelmesh/core";
import type { PeerRoutingContext } from "./routing-context.js";

/** The status / ensure-loaded operation as a peer receives it (`MeshPeerService.ModelStatus`). */
export interface PeerStatusRequest {
  readonly context: PeerRoutingContext;
  /** Make sure a copy is loaded or loading first (ensureLoaded); false = status only. */
  readonly load: boolean;
  /** With `load`: answer only once the copy finished loading or failed. */
  readonly sync: boolean;
  /** With `load`: last-used time to record, epoch ms; 0 = now. */
  readonly lastUsedMs: number;
  /** Instances to use neither as copies nor as load targets (ensureLoaded's `excludeInstances`). */
  readonly excludeInstances: readonly string[];
}

/** A status answer from a peer: the status details and the instance that answered. */
export interface PeerStatusAnswer extends ModelStatusDetails {
  readonly instanceId: string;
}

/** Deadline and cancellation of one incoming peer call. */
export interface PeerCallScope {
  /** Aborted when the sender cancels (RST_STREAM), disconnects, or the deadline passes. */
  readonly signal: AbortSignal;
  /** Absolute deadline on the `Date.now()` clock, from the sender's `grpc-timeout`; absent = none. */
  readonly deadlineMs?: number;
}

/** A forwarded inference call as a peer receives it. */
export interface ForwardedInference extends PeerCallScope {
  readonly context: PeerRoutingContext;
  /** The original gRPC method path, `/<package>.<Service>/<Method>`. */
  readonly path: string;
  /**
   * The request headers as received: the client's headers (the sender dropped `mm-*` and
   * `grpc-*`), the routing context (`mm-internal-*`) and `grpc-timeout`. Pass them through
   * `runtimeRequestHeaders`, which drops all of those again, before calling the runtime.
   */
  readonly headers: IncomingHttpHeaders;
  /** The request, for reading the original gRPC-framed body (unchanged bytes). */
  readonly request: Http2ServerRequest;
  /**
   * Where the response goes, through the raw stream API: `respond(headers, { waitForTrailers: true })`,
   * raw body frames, then trailers (see `endWithTrailers`). Respond only once the answer is
   * certain: an error thrown before `respond` reaches the sender as a typed error it can retry.
   */
  readonly stream: ServerHttp2Stream;
}

/**
 * What the server plugs into the peer service: the receiving side of both internal operations.
 * Errors are thrown (rejected) as `MeshError`s; the peer service turns them into error-kind
 * trailers that the sender decodes back into the same `MeshError` (code, message, instance id,
 * model id, runtime status code).
 */
export interface PeerHandler {
  /**
   * Whether a forwarded call for `method` (`package.Service/Method`, the path without its leading
   * `/`) may be served here: undefined when it may, else the error to refuse it with, before its
   * body is read. The mesh applies the serving port's method policy, so the internal port forwards
   * to the runtime nothing that the serving port would refuse.
   */
  checkForwardedMethod(method: string): MeshError | undefined;
  /** Answers a status / ensure-loaded request, routing from this instance with its context. */
  modelStatus(request: PeerStatusRequest, scope: PeerCallScope): Promise<ModelStatusDetails>;
  /**
   * Serves a forwarded inference call: for hop `hit_only` from the local cache only (else
   * `MODEL_NOT_HERE`), for `load_local_only` as the chosen load target. Resolves once the
   * response is complete (or the call was abandoned).
   */
  serveForwarded(call: ForwardedInference): Promise<void>;
}
