import { constants, type ServerHttp2Stream } from "node:http2";

/**
 * Lets go of a call's stream once the mesh has given its whole answer (or its error status),
 * so the stream cannot outlive the call:
 *
 * - a client still sending its request (the answer came early: a refusal, a timeout, an over-size
 *   message) is told to stop with RST_STREAM(NO_ERROR), which Node sends once the answer has
 *   gone out, as HTTP/2 allows a server that has answered;
 * - a client that does not take the answer (a zero receive window, a stalled reader) within
 *   `stallTimeoutMs` gets RST_STREAM(CANCEL), dropping the bytes queued for it.
 */
export function releaseAnsweredStream(stream: ServerHttp2Stream, stallTimeoutMs: number): void {
  if (stream.destroyed) return;
  if (!stream.closed && !stream.readableEnded) stream.close(constants.NGHTTP2_NO_ERROR);
  const timer = setTimeout(() => {
    if (stream.destroyed) return;
    if (stream.closed) stream.destroy();
    else stream.close(constants.NGHTTP2_CANCEL);
  }, stallTimeoutMs);
  stream.once("close", () => clearTimeout(timer));
}
