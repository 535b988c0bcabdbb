import type { Http2ServerRequest, Http2ServerResponse, ServerHttp2Stream } from "node:http2";
import { type Logger, MeshError, noopLogger } from "@modelmesh/core";
import { forbiddenMethodMessage, notPermittedMessage, parseGrpcTimeout } from "@modelmesh/runtime-client";
import { releaseAnsweredStream } from "../inference/answered-stream.js";
import { endWithTrailers, statusTrailers } from "../inference/grpc-response.js";
import { DEFAULT_STREAM_LIMITS } from "../inference/stream-limits.js";
import { decodeContextHeaders } from "./context-headers.js";
import { encodePeerError, errorForPeer } from "./peer-errors.js";
import { destinationMismatch } from "./peer-status-service.js";
import type { PeerHandler } from "./types.js";

/** Options for {@link createForwardedHandler}. */
export interface ForwardedHandlerOptions {
  readonly handler: PeerHandler;
  /** This instance's id (answers, destination check). */
  readonly instanceId: string;
  /**
   * Longest time a sender may take no answer bytes once the answer is complete, ms; its stream is
   * then reset. Default `DEFAULT_STREAM_LIMITS.stallTimeoutMs` (60 s).
   */
  readonly stallTimeoutMs?: number;
  readonly logger?: Logger;
}

/**
 * Ends a forwarded call with `error` and its error-kind fields: trailers-only when nothing was
 * sent yet, else as trailers after the response (headers sent with `waitForTrailers`).
 */
export function respondWithPeerError(stream: ServerHttp2Stream, error: MeshError): void {
  if (stream.destroyed || stream.closed) return;
  const { status, metadata } = encodePeerError(error);
  const fields = { ...statusTrailers(status), ...metadata };
  if (stream.headersSent) endWithTrailers(stream, fields);
  else stream.respond({ ":status": 200, "content-type": "application/grpc", ...fields }, { endStream: true });
}

const http1Body = "the ModelMesh peer protocol needs HTTP/2";

/**
 * The receiving side of forwarded inference (the Connect adapter's `fallback` on the internal
 * port: every path that is not `MeshPeerService`). Refuses with `UNIMPLEMENTED` a call that is not
 * gRPC, whose path is not a plain `/package.Service/Method`, names a runtime management method or
 * fails the handler's method check (`checkForwardedMethod`); decodes and validates the routing
 * context (`INVALID_ARGUMENT` on garbage or out-of-bounds hints), checks the destination, links
 * cancellation (the sender's RST_STREAM or disconnect) and the `grpc-timeout` deadline to one
 * signal, and hands the call to `handler.serveForwarded`. A handler that rejects before
 * responding gets its error sent as an error status with error-kind trailers (the message
 * withheld when it concerns another model); a handler that resolves without answering is a bug,
 * answered with `INTERNAL`.
 */
export function createForwardedHandler(options: ForwardedHandlerOptions) {
  const logger = options.logger ?? noopLogger;
  return (req: Http2ServerRequest, res: Http2ServerResponse): void => {
    if (req.httpVersionMajor !== 2) {
      res.writeHead(505, { "content-type": "text/plain" });
      res.end(http1Body);
      return;
    }
    serve(options, req).catch((error: unknown) => {
      logger.error({ reason: String(error) }, "peer forwarded-call handler failed");
    });
  };
}

/** Aborts `controller` when the call's stream closes early or its deadline passes; returns the cleanup. */
function linkSignal(stream: ServerHttp2Stream, controller: AbortController, timeoutMs: number | undefined) {
  const onClose = () =>
    controller.abort(new MeshError("CANCELLED", "forwarded call cancelled by the sender"));
  stream.once("close", onClose);
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(
          () => controller.abort(new MeshError("DEADLINE_EXCEEDED", "forwarded call deadline exceeded")),
          timeoutMs,
        );
  return () => {
    stream.off("close", onClose);
    if (timer !== undefined) clearTimeout(timer);
  };
}

/** Answers a call that is not served: drains its body and sends the error. */
function refuse(req: Http2ServerRequest, error: MeshError, stallTimeoutMs: number): void {
  req.resume();
  respondWithPeerError(req.stream, error);
  releaseAnsweredStream(req.stream, stallTimeoutMs);
}

/**
 * Why a forwarded call for `path` may not be served, checked before anything else: only gRPC
 * calls of plain method names that the handler accepts (never `mmesh.ModelRuntime`) pass.
 */
function methodRefusal(handler: PeerHandler, req: Http2ServerRequest, path: string): MeshError | undefined {
  const contentType = req.headers["content-type"] ?? "";
  if (!contentType.startsWith("application/grpc") || contentType.startsWith("application/grpc-web")) {
    return new MeshError("UNIMPLEMENTED", "the internal port forwards gRPC calls only");
  }
  if (!path.startsWith("/")) return new MeshError("UNIMPLEMENTED", notPermittedMessage(path));
  const method = path.slice(1);
  const forbidden = forbiddenMethodMessage(method);
  if (forbidden !== undefined) return new MeshError("UNIMPLEMENTED", forbidden);
  return handler.checkForwardedMethod(method);
}

async function serve(options: ForwardedHandlerOptions, req: Http2ServerRequest): Promise<void> {
  const stream = req.stream;
  const stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STREAM_LIMITS.stallTimeoutMs;
  const path = req.headers[":path"] ?? "/";
  const refusal = methodRefusal(options.handler, req, path);
  if (refusal !== undefined) {
    refuse(req, refusal, stallTimeoutMs);
    return;
  }
  const decoded = decodeContextHeaders(req.headers);
  if (!decoded.ok) {
    refuse(req, decoded.error, stallTimeoutMs);
    return;
  }
  const mismatch = destinationMismatch(decoded.value, options.instanceId);
  if (mismatch !== undefined) {
    refuse(req, mismatch, stallTimeoutMs);
    return;
  }
  const timeoutMs = parseGrpcTimeout(req.headers["grpc-timeout"] as string | undefined);
  const controller = new AbortController();
  const unlink = linkSignal(stream, controller, timeoutMs);
  try {
    await options.handler.serveForwarded({
      context: decoded.value,
      path,
      headers: req.headers,
      request: req,
      stream,
      signal: controller.signal,
      ...(timeoutMs === undefined ? {} : { deadlineMs: Date.now() + timeoutMs }),
    });
    if (!stream.headersSent)
      respondWithPeerError(stream, new MeshError("INTERNAL", "peer handler finished without answering"));
  } catch (error) {
    respondWithPeerError(stream, errorForPeer(MeshError.from(error), decoded.value.modelId));
  } finally {
    unlink();
    releaseAnsweredStream(stream, stallTimeoutMs);
  }
}
