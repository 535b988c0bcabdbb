import { type ClientHttp2Stream, constants, type IncomingHttpHeaders } from "node:http2";
import {
  create,
  type DescMessage,
  type DescMethodUnary,
  fromBinary,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { encodeGrpcTimeout } from "./forwarder/grpc-timeout.js";
import type { Http2SessionPool } from "./forwarder/session-pool.js";

/** Deadline and cancellation of one {@link callUnary}. */
export interface UnaryCallOptions {
  /** Deadline, ms from now (sent as `grpc-timeout`); none when undefined. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** HTTP status → gRPC code, for answers that are not gRPC at all (as the gRPC spec maps them). */
function codeOfHttpStatus(status: number): Code {
  switch (status) {
    case 400:
      return Code.Internal;
    case 401:
      return Code.Unauthenticated;
    case 403:
      return Code.PermissionDenied;
    case 404:
      return Code.Unimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return Code.Unavailable;
    default:
      return Code.Unknown;
  }
}

/** RST_STREAM error code → gRPC code (as the gRPC spec maps them). */
function codeOfRstStream(rst: number): Code {
  switch (rst) {
    case constants.NGHTTP2_REFUSED_STREAM:
      return Code.Unavailable;
    case constants.NGHTTP2_CANCEL:
      return Code.Canceled;
    case constants.NGHTTP2_ENHANCE_YOUR_CALM:
      return Code.ResourceExhausted;
    case constants.NGHTTP2_INADEQUATE_SECURITY:
      return Code.PermissionDenied;
    default:
      return Code.Internal;
  }
}

function headerText(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function decodeGrpcMessage(value: string | undefined): string {
  if (value === undefined) return "";
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** A stream failure that only wraps its session's failure (e.g. ECONNREFUSED): the session's. */
function rootError(error: Error): Error {
  const code = (error as { code?: unknown }).code;
  return code === "ERR_HTTP2_STREAM_CANCEL" && error.cause instanceof Error ? error.cause : error;
}

/** The error of a call its signal aborted: the reason when it is a ConnectError, else CANCELED. */
function abortError(reason: unknown): ConnectError {
  if (reason instanceof ConnectError) return reason;
  const message = reason instanceof Error ? reason.message : "operation was aborted";
  return new ConnectError(message, Code.Canceled, undefined, undefined, reason);
}

/** The answer's single length-prefixed message (uncompressed), or an INTERNAL error. */
function readMessage<O extends DescMessage>(schema: O, body: Buffer): MessageShape<O> {
  if (body.length < 5) throw new ConnectError("protocol error: missing output message", Code.Internal);
  if ((body[0] ?? 0) & 1) throw new ConnectError("protocol error: compressed message", Code.Internal);
  const length = body.readUInt32BE(1);
  if (body.length !== 5 + length)
    throw new ConnectError("protocol error: expected exactly one output message", Code.Internal);
  return fromBinary(schema, body.subarray(5));
}

/**
 * One gRPC unary call over a pooled HTTP/2 session, with protobuf-es encoding and nothing else:
 * the request goes out as one length-prefixed message, the answer is read whole. Rejects like a
 * Connect client does: a ConnectError with the runtime's code and message, `DEADLINE_EXCEEDED`
 * "the operation timed out" at the deadline, CANCELED (or the ConnectError reason) when `signal`
 * aborts, and Node's own error when the connection fails (e.g. ECONNREFUSED).
 */
export function callUnary<I extends DescMessage, O extends DescMessage>(
  pool: Http2SessionPool,
  method: DescMethodUnary<I, O>,
  input: MessageInitShape<I>,
  options: UnaryCallOptions = {},
): Promise<MessageShape<O>> {
  const { signal, timeoutMs } = options;
  if (signal?.aborted) return Promise.reject(abortError(signal.reason));
  if (timeoutMs !== undefined && timeoutMs <= 0)
    return Promise.reject(new ConnectError("the operation timed out", Code.DeadlineExceeded));
  return new Promise<MessageShape<O>>((resolve, reject) => {
    const payload = toBinary(method.input, create(method.input, input));
    const frame = Buffer.allocUnsafe(5 + payload.length);
    frame[0] = 0;
    frame.writeUInt32BE(payload.length, 1);
    frame.set(payload, 5);
    const headers: Record<string, string> = {
      [constants.HTTP2_HEADER_METHOD]: "POST",
      [constants.HTTP2_HEADER_PATH]: `/${method.parent.typeName}/${method.name}`,
      [constants.HTTP2_HEADER_CONTENT_TYPE]: "application/grpc+proto",
      te: "trailers",
    };
    if (timeoutMs !== undefined) headers["grpc-timeout"] = encodeGrpcTimeout(timeoutMs);
    let stream: ClientHttp2Stream;
    try {
      stream = pool.session().request(headers);
    } catch (error) {
      reject(error);
      return;
    }
    let done = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (error: unknown, value?: MessageShape<O>) => {
      if (done) return;
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (error === undefined) resolve(value as MessageShape<O>);
      else reject(error);
    };
    const cancel = (error: ConnectError) => {
      if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
      finish(error);
    };
    const onAbort = () => cancel(abortError(signal?.reason));
    signal?.addEventListener("abort", onAbort, { once: true });
    if (timeoutMs !== undefined) {
      timer = setTimeout(
        () => cancel(new ConnectError("the operation timed out", Code.DeadlineExceeded)),
        timeoutMs,
      );
    }

    let responseHeaders: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders | undefined;
    const chunks: Buffer[] = [];
    stream.on("response", (received) => {
      responseHeaders = received;
    });
    stream.on("trailers", (received) => {
      trailers = received;
    });
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", (error: Error) => finish(rootError(error)));
    stream.on("close", () => {
      if (done) return;
      // A trailers-only answer carries the status in its headers.
      const statusSource = trailers ?? responseHeaders;
      const grpcStatus = headerText(statusSource, "grpc-status");
      if (grpcStatus === undefined) {
        const httpStatus = Number(responseHeaders[constants.HTTP2_HEADER_STATUS] ?? 0);
        if (httpStatus !== 200 && httpStatus !== 0)
          return finish(new ConnectError(`HTTP ${httpStatus}`, codeOfHttpStatus(httpStatus)));
        const rst = stream.rstCode ?? constants.NGHTTP2_NO_ERROR;
        if (rst !== constants.NGHTTP2_NO_ERROR)
          return finish(new ConnectError(`stream reset (RST_STREAM ${rst})`, codeOfRstStream(rst)));
        return finish(new ConnectError("protocol error: missing status", Code.Internal));
      }
      const code = Number(grpcStatus);
      if (code !== 0) {
        const known = Number.isInteger(code) && code > 0 && code <= 16;
        return finish(
          new ConnectError(
            decodeGrpcMessage(headerText(statusSource, "grpc-message")),
            known ? (code as Code) : Code.Unknown,
          ),
        );
      }
      try {
        finish(undefined, readMessage(method.output, Buffer.concat(chunks)));
      } catch (error) {
        finish(error);
      }
    });
    stream.end(frame);
  });
}
