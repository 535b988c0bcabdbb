import type { IncomingHttpHeaders } from "node:http2";
import type { MeshError } from "@modelmesh/core";
import type { GrpcForwarder } from "./grpc-forwarder.js";
import type { ForwardRequest } from "./types.js";

/** A whole forwarded response. */
export interface CollectedResponse {
  readonly headers: IncomingHttpHeaders;
  /** Every body chunk, concatenated (raw gRPC frames). */
  readonly body: Buffer;
  readonly trailers: IncomingHttpHeaders;
}

/**
 * Forwards a call and collects the whole response (for callers that need it in one piece, such as
 * multi-model requests, §2.10, and tests). Rejects with the MeshError the sink would have got.
 */
export function forwardAndCollect(
  forwarder: GrpcForwarder,
  request: ForwardRequest,
): Promise<CollectedResponse> {
  return new Promise((resolve, reject) => {
    let headers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    forwarder.forward(request, {
      onHeaders(h) {
        headers = h;
      },
      onData(chunk) {
        chunks.push(chunk);
      },
      onTrailers(trailers) {
        resolve({
          headers,
          body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks),
          trailers,
        });
      },
      onError(error: MeshError) {
        reject(error);
      },
    });
  });
}
