import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";

/**
 * Header list size limit Node and nghttp2 enforce on the external port by themselves (Node's
 * default `maxHeaderListSize`): a larger list resets its stream (RST_STREAM ENHANCE_YOUR_CALM).
 * `MM_SVC_GRPC_MAX_HEADERS_SIZE` may not exceed it; below it the gateway checks the limit itself
 * and answers with a status that names it.
 */
export const HTTP2_HEADER_LIST_CEILING = 65_536;

/** Size of a header list as HTTP/2 counts it: name + value + 32 bytes per field (RFC 9113 §6.5.2). */
export function headerListBytes(rawHeaders: readonly string[]): number {
  let bytes = 0;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    bytes += (rawHeaders[i]?.length ?? 0) + (rawHeaders[i + 1]?.length ?? 0) + 32;
  }
  return bytes;
}

/**
 * Answers an HTTP/2 request whose header list is over `maxHeaderBytes` on that stream alone: a
 * gRPC (and gRPC-Web) trailers-only RESOURCE_EXHAUSTED, or HTTP 431 with a Connect error for
 * other protocols. Returns false (nothing sent) when the headers are within the limit.
 */
export function refuseOversizedHeaders(
  req: Http2ServerRequest,
  res: Http2ServerResponse,
  maxHeaderBytes: number,
): boolean {
  const bytes = headerListBytes(req.rawHeaders);
  if (bytes <= maxHeaderBytes) return false;
  const message = `request headers are ${bytes} bytes, over the limit of ${maxHeaderBytes} (MM_SVC_GRPC_MAX_HEADERS_SIZE)`;
  const contentType = req.headers["content-type"] ?? "";
  // The body is not wanted: let it drain instead of holding the stream's flow-control window.
  req.resume();
  if (contentType.startsWith("application/grpc")) {
    res.writeHead(200, {
      "content-type": contentType,
      "grpc-status": "8",
      "grpc-message": encodeURIComponent(message),
    });
    res.end();
    return true;
  }
  res.writeHead(431, { "content-type": "application/json" });
  res.end(JSON.stringify({ code: "resource_exhausted", message }));
  return true;
}
