import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from "node:http2";
import type { GrpcStatus } from "../edge/grpc-status.js";

/**
 * Percent-encodes a `grpc-message` value as the gRPC HTTP/2 spec says: bytes outside printable
 * ASCII, and `%`, become `%XX` of their UTF-8 bytes.
 */
export function encodeGrpcMessage(message: string): string {
  let plain = true;
  for (let i = 0; i < message.length; i++) {
    const c = message.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x25) {
      plain = false;
      break;
    }
  }
  if (plain) return message;
  let out = "";
  for (const byte of Buffer.from(message, "utf8")) {
    out +=
      byte < 0x20 || byte > 0x7e || byte === 0x25
        ? `%${byte.toString(16).toUpperCase().padStart(2, "0")}`
        : String.fromCharCode(byte);
  }
  return out;
}

/** The trailer fields of a status. */
export function statusTrailers(status: GrpcStatus): OutgoingHttpHeaders {
  return {
    "grpc-status": String(status.code),
    ...(status.message === "" ? {} : { "grpc-message": encodeGrpcMessage(status.message) }),
  };
}

/** Answers a call that has not responded yet with a trailers-only error (or OK) status. */
export function respondWithStatus(stream: ServerHttp2Stream, status: GrpcStatus): void {
  if (stream.destroyed || stream.closed) return;
  if (stream.headersSent) {
    endWithTrailers(stream, statusTrailers(status));
    return;
  }
  stream.respond(
    { ":status": 200, "content-type": "application/grpc", ...statusTrailers(status) },
    { endStream: true },
  );
}

/** Ends a stream whose headers were sent with `waitForTrailers`, sending `trailers`. */
export function endWithTrailers(stream: ServerHttp2Stream, trailers: OutgoingHttpHeaders): void {
  if (stream.destroyed || stream.closed) return;
  // Node's compatibility response (Http2ServerResponse) listens too and would send its own
  // (empty) trailers; this stream is answered through the raw API only.
  stream.removeAllListeners("wantTrailers");
  stream.once("wantTrailers", () => {
    if (!stream.destroyed) stream.sendTrailers(trailers);
  });
  stream.end();
}

/** Connection-level and framing headers a relayed response must not carry on. */
const hopHeaders = new Set([
  ":status",
  "content-length",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "date",
]);

/** The runtime's response headers as the client gets them (`:status` 200 set by us). */
export function clientResponseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ":status": 200 };
  for (const name in headers) {
    if (hopHeaders.has(name) || name.charCodeAt(0) === 58) continue;
    out[name] = headers[name];
  }
  out["content-type"] ??= "application/grpc";
  return out;
}

/**
 * The runtime's (or a peer's) trailers as the client gets them: pseudo-headers and the peer
 * protocol's `mm-internal-*` error details dropped.
 */
export function clientTrailers(trailers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name in trailers) {
    if (name.charCodeAt(0) === 58 || name.startsWith("mm-internal-")) continue;
    out[name] = trailers[name];
  }
  return out;
}
