import type { OutgoingHttpHeaders } from "node:http2";
import { MeshError } from "@modelmesh/core";
import { GrpcCode, type GrpcStatus } from "../grpc-status.js";
import { forbiddenMethodMessage, notPermittedMessage } from "../method-names.js";
import { describeStatus } from "../runtime-errors.js";
import { ForwardCall } from "./forward-call.js";
import { encodeGrpcTimeout } from "./grpc-timeout.js";
import { Http2SessionPool, type Http2Target, type SessionPoolOptions } from "./session-pool.js";
import type { ErrorTranslator, ForwardHandle, ForwardRequest, ForwardSink } from "./types.js";

/** Default largest response message, bytes (`MM_SVC_GRPC_MAX_MSG_SIZE`, §11). */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Options for {@link GrpcForwarder}. */
export interface GrpcForwarderOptions extends SessionPoolOptions {
  /** Largest response message accepted, bytes; a larger one fails the call with RESOURCE_EXHAUSTED. Default 16 MiB. */
  readonly maxMessageBytes?: number;
  /** Maps error statuses answered before any response. Default {@link translateGenericError}. */
  readonly translateError?: ErrorTranslator;
  /**
   * An existing session pool to the same target, shared with other clients of that endpoint
   * (the pool options above are then ignored). {@link GrpcForwarder.close} closes it.
   */
  readonly sessionPool?: Http2SessionPool;
}

/**
 * A generic error mapping for any gRPC endpoint: UNAVAILABLE → `INSTANCE_UNAVAILABLE`, anything
 * else → `RUNTIME_ERROR` with the code in `grpcCode`; message `<method>: <CODE>: <message>`.
 */
export function translateGenericError(method: string, status: GrpcStatus): MeshError {
  const code = status.code === GrpcCode.UNAVAILABLE ? "INSTANCE_UNAVAILABLE" : "RUNTIME_ERROR";
  return new MeshError(code, `${method}: ${describeStatus(status)}`, { grpcCode: status.code });
}

const noTimeout = undefined;

/**
 * Forwards gRPC calls byte for byte to one HTTP/2 endpoint over a pool of sessions: request
 * bytes go out as they are, response headers, raw body chunks and trailers come back through a
 * {@link ForwardSink} (no protobuf decoding). It propagates the deadline (`grpc-timeout` plus a
 * local timer) and cancellation (RST_STREAM), enforces the response message size limit and
 * reconnects after the endpoint restarts. Unary and server-streaming responses; the request must
 * be complete. It refuses (UNIMPLEMENTED, nothing sent) a path that is not a plain
 * `/package.Service/Method` and any `mmesh.ModelRuntime` method. Used for the runtime's serving endpoint, and reusable for any gRPC endpoint (extra
 * headers go in the request).
 */
export class GrpcForwarder {
  readonly #pool: Http2SessionPool;
  readonly #maxMessageBytes: number;
  readonly #translateError: ErrorTranslator;

  constructor(target: Http2Target, options: GrpcForwarderOptions = {}) {
    this.#pool = options.sessionPool ?? new Http2SessionPool(target, options);
    this.#maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.#translateError = options.translateError ?? translateGenericError;
  }

  /** Where calls go, for messages. */
  get label(): string {
    return this.#pool.target.label;
  }

  /** Starts a call; its outcome arrives at `sink` (see {@link ForwardSink} for the order of callbacks). */
  forward(request: ForwardRequest, sink: ForwardSink): ForwardHandle {
    const method = request.path.charCodeAt(0) === 47 /* "/" */ ? request.path.slice(1) : request.path;
    const call = new ForwardCall(sink, {
      method,
      endpointLabel: this.#pool.target.label,
      maxMessageBytes: this.#maxMessageBytes,
      translateError: this.#translateError,
    });
    if (request.signal?.aborted) {
      call.cancel();
      return call;
    }
    // The last line of defence: whichever route led here (a client, a peer, a bug), a management
    // call never travels the data plane, so a caller can never unload, load or purge models.
    const forbidden =
      method === request.path ? notPermittedMessage(request.path) : forbiddenMethodMessage(method);
    if (forbidden !== undefined) {
      call.fail(new MeshError("UNIMPLEMENTED", forbidden));
      return call;
    }
    const headers: OutgoingHttpHeaders = {
      "content-type": "application/grpc",
      ...request.headers,
      ":method": "POST",
      ":path": request.path,
      te: "trailers",
    };
    if (request.timeoutMs !== noTimeout) headers["grpc-timeout"] = encodeGrpcTimeout(request.timeoutMs);
    const stream = this.#request(headers, call, method);
    if (stream === undefined) return call;
    call.attach(stream, request.timeoutMs, request.signal);
    const body = request.body;
    if (body instanceof Uint8Array) {
      stream.end(body);
    } else {
      for (const part of body) stream.write(part);
      stream.end();
    }
    return call;
  }

  /** Closes every session; calls in flight fail with INSTANCE_UNAVAILABLE. */
  close(): void {
    this.#pool.close();
  }

  /** Opens the stream, retrying once on a fresh session when the pooled one is already unusable. */
  #request(headers: OutgoingHttpHeaders, call: ForwardCall, method: string) {
    for (let attempt = 0; ; attempt++) {
      let session: ReturnType<Http2SessionPool["session"]> | undefined;
      try {
        session = this.#pool.session();
        return session.request(headers, { endStream: false });
      } catch (error) {
        if (session !== undefined) this.#pool.discard(session);
        if (attempt > 0 || session === undefined) {
          call.fail(
            new MeshError("INSTANCE_UNAVAILABLE", `${method}: cannot reach ${this.label}: ${String(error)}`, {
              cause: error,
            }),
          );
          return undefined;
        }
      }
    }
  }
}
