import type { OutgoingHttpHeaders } from "node:http2";
import { ConnectError } from "@connectrpc/connect";
import { type InstanceRecord, MeshError } from "@modelmesh/core";
import type { ForwardHandle, ForwardRequest, ForwardSink } from "@modelmesh/runtime-client";
import { GrpcCode, grpcCodeName } from "../edge/grpc-status.js";
import { statusAnswerFromProto, statusRequestToProto } from "./context-proto.js";
import type { PeerDirectory } from "./peer-directory.js";
import { decodePeerError, errorTrailerNames, type PeerIdentity } from "./peer-errors.js";
import { peerRequestHeaders } from "./peer-headers.js";
import { PeerTraffic } from "./peer-traffic.js";
import type { PeerRoutingContext } from "./routing-context.js";
import type { PeerStatusAnswer, PeerStatusRequest } from "./types.js";

/** A peer to call: its instance id and current instance record (for the endpoint). */
export interface PeerRef {
  readonly instanceId: string;
  readonly record: InstanceRecord;
}

/** Deadline and cancellation of an outgoing peer call. */
export interface PeerCallOptions {
  /** Absolute deadline on the `now` clock (epoch ms); sent as `grpc-timeout` and enforced locally. */
  readonly deadlineMs?: number;
  /** Aborting cancels the call (RST_STREAM to the peer, whose handler sees its signal abort). */
  readonly signal?: AbortSignal;
}

/** One inference call to forward to a peer. */
export interface PeerForwardRequest extends PeerCallOptions {
  /** The original gRPC method path. */
  readonly path: string;
  /** The client's request headers as received; filtered here (see `peerRequestHeaders`). */
  readonly headers: OutgoingHttpHeaders;
  /** The original gRPC-framed request bytes, passed on unchanged. */
  readonly body: Uint8Array | readonly Uint8Array[];
  readonly context: PeerRoutingContext;
}

/** One peer and routing context, callable like the runtime's `GrpcForwarder` (see {@link PeerClient.bind}). */
export interface PeerBinding {
  forward(request: ForwardRequest, sink: ForwardSink): ForwardHandle;
}

/** Options for {@link PeerClient}. */
export interface PeerClientOptions {
  readonly directory: PeerDirectory;
  /** Per-destination statistics to update. Default: a new one, on `now`. */
  readonly traffic?: PeerTraffic;
  /** Clock for deadlines, epoch ms. Default `Date.now`. */
  readonly now?: () => number;
}

const idleHandle: ForwardHandle = { pause() {}, resume() {}, cancel() {} };

/** Adds the peer's id to errors that lack one, so routing knows which copy or target failed. */
function naming(error: MeshError, instanceId: string): MeshError {
  if (error.details.instanceId !== undefined) return error;
  return new MeshError(error.code, error.message, { ...error.details, instanceId, cause: error });
}

/**
 * The MeshError of a failed status call. An error the peer answered (its status is in the
 * metadata) is decoded from its error kind. Without an answer: the call's own deadline and
 * cancellation stay themselves, a failed connection or HTTP/2 framing error is
 * `INSTANCE_UNAVAILABLE` (as for forwarded calls), and an answer that is not a
 * `ModelStatusResponse` is `INTERNAL` ("sent a malformed answer").
 */
function statusCallError(error: unknown, peer: PeerIdentity): MeshError {
  if (!(error instanceof ConnectError)) return naming(MeshError.from(error), peer.instanceId);
  const status = { code: error.code as number, message: error.rawMessage };
  const answered = error.metadata.has("grpc-status") || error.metadata.has(errorTrailerNames.kind);
  if (answered || status.code === GrpcCode.DEADLINE_EXCEEDED || status.code === GrpcCode.CANCELLED)
    return decodePeerError(status, error.metadata, peer);
  // Node's socket and HTTP/2 errors carry a string `code` (ECONNREFUSED, ERR_HTTP2_ERROR, ...).
  const cause = error.cause as { readonly code?: unknown } | undefined;
  if (status.code === GrpcCode.UNAVAILABLE || typeof cause?.code === "string") {
    return new MeshError(
      "INSTANCE_UNAVAILABLE",
      `call to peer ${peer.instanceId} (${peer.label}) failed: ${grpcCodeName(status.code)}: ${status.message}`,
      { instanceId: peer.instanceId, cause: error },
    );
  }
  return new MeshError(
    "INTERNAL",
    `peer ${peer.instanceId} (${peer.label}) sent a malformed answer: ${status.message}`,
    { instanceId: peer.instanceId, cause: error },
  );
}

/**
 * The sending side of the peer protocol: forwards inference calls byte for byte (streamed both
 * ways, never re-encoded) and makes status / ensure-loaded calls, with the routing context,
 * deadline and cancellation, over the directory's pooled connections. Every failure is a
 * `MeshError`: the peer's own typed error (decoded from its error-kind trailers), or
 * `INSTANCE_UNAVAILABLE` (retryable) when the peer cannot be reached or the connection drops,
 * `DEADLINE_EXCEEDED` / `CANCELLED` for the call's own deadline and signal, `INTERNAL` for an
 * answer that is not the protocol. Counts calls per destination in {@link PeerClient.traffic}.
 */
export class PeerClient {
  readonly traffic: PeerTraffic;
  readonly #directory: PeerDirectory;
  readonly #now: () => number;

  constructor(options: PeerClientOptions) {
    this.#directory = options.directory;
    this.#now = options.now ?? Date.now;
    this.traffic = options.traffic ?? new PeerTraffic(this.#now);
  }

  /**
   * Forwards an inference call to `peer`. The response arrives at `sink` as from the runtime
   * forwarder: headers with the first body bytes, raw body chunks, then trailers; an error before
   * any byte is `onError(e, false)`, so the caller may retry elsewhere.
   */
  forward(peer: PeerRef, request: PeerForwardRequest, sink: ForwardSink): ForwardHandle {
    const connection = this.#directory.connectionFor(peer.instanceId, peer.record);
    if (!connection.ok) {
      sink.onError(connection.error, false);
      return idleHandle;
    }
    const timeoutMs = this.#remainingMs(request.deadlineMs);
    if (timeoutMs !== undefined && timeoutMs <= 0) {
      sink.onError(this.#expired(request.path.slice(1), peer.instanceId), false);
      return idleHandle;
    }
    const finish = this.traffic.begin(peer.instanceId);
    const tracked: ForwardSink = {
      onHeaders: (headers) => sink.onHeaders(headers),
      onData: (chunk) => sink.onData(chunk),
      onTrailers(trailers) {
        finish();
        sink.onTrailers(trailers);
      },
      onError(error, responseStarted) {
        finish();
        sink.onError(naming(error, peer.instanceId), responseStarted);
      },
    };
    return connection.value.forwarder.forward(
      {
        path: request.path,
        headers: peerRequestHeaders(request.headers, request.context),
        body: request.body,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        ...(request.signal === undefined ? {} : { signal: request.signal }),
      },
      tracked,
    );
  }

  /**
   * A forwarder-shaped view of one peer and routing context: `forward(request, sink)` with the
   * runtime forwarder's request (relative `timeoutMs`), so code written against
   * `GrpcForwarder.forward` (such as the server's relay) can send the call to the peer instead.
   */
  bind(peer: PeerRef, context: PeerRoutingContext): PeerBinding {
    return {
      forward: (request, sink) =>
        this.forward(
          peer,
          {
            path: request.path,
            headers: request.headers,
            body: request.body,
            context,
            ...(request.timeoutMs === undefined ? {} : { deadlineMs: this.#now() + request.timeoutMs }),
            ...(request.signal === undefined ? {} : { signal: request.signal }),
          },
          sink,
        ),
    };
  }

  /** Asks `peer` for a model's status, making sure a copy is loaded first when `request.load` is set. */
  async modelStatus(
    peer: PeerRef,
    request: PeerStatusRequest,
    options: PeerCallOptions = {},
  ): Promise<PeerStatusAnswer> {
    const connection = this.#directory.connectionFor(peer.instanceId, peer.record);
    if (!connection.ok) throw connection.error;
    const timeoutMs = this.#remainingMs(options.deadlineMs);
    if (timeoutMs !== undefined && timeoutMs <= 0) throw this.#expired("ModelStatus", peer.instanceId);
    const { label, status } = connection.value;
    const finish = this.traffic.begin(peer.instanceId);
    let response: Awaited<ReturnType<typeof status.modelStatus>>;
    try {
      response = await status.modelStatus(statusRequestToProto(request), {
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } catch (error) {
      throw statusCallError(error, { instanceId: peer.instanceId, label });
    } finally {
      finish();
    }
    const answer = statusAnswerFromProto(response);
    if (typeof answer === "string") {
      throw new MeshError(
        "INTERNAL",
        `peer ${peer.instanceId} (${label}) sent a malformed status answer: ${answer}`,
        {
          instanceId: peer.instanceId,
        },
      );
    }
    return answer;
  }

  #remainingMs(deadlineMs: number | undefined): number | undefined {
    return deadlineMs === undefined ? undefined : deadlineMs - this.#now();
  }

  #expired(what: string, instanceId: string): MeshError {
    return new MeshError(
      "DEADLINE_EXCEEDED",
      `${what}: deadline exceeded before forwarding to ${instanceId}`,
      {
        instanceId,
      },
    );
  }
}
