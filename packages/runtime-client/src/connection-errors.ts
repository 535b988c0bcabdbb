/** Node error codes that mean "the endpoint is not there (now)": the connection, not an answer, failed. */
const connectionErrorCodes: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOENT",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ERR_HTTP2_GOAWAY_SESSION",
  "ERR_HTTP2_SESSION_ERROR",
  "ERR_HTTP2_STREAM_CANCEL",
  "ERR_HTTP2_STREAM_ERROR",
  "ERR_HTTP2_INVALID_SESSION",
  "ERR_HTTP2_ERROR",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

/**
 * The Node error code of a connection failure found in `error` or its causes (up to 8 deep):
 * refused, reset, a missing socket, an unanswered keep-alive PING (`ETIMEDOUT`), an HTTP/2
 * session or stream torn down. Undefined when the failure is something else, such as an error
 * status the endpoint answered.
 */
export function connectionErrorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && connectionErrorCodes.has(code)) return code;
  }
  return undefined;
}
