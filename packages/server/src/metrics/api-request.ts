import type { ServerHttp2Stream } from "node:http2";
import { performance } from "node:perf_hooks";
import { grpcCodeName } from "@modelmesh/runtime-client";
import type { MeshContext } from "../mesh-context.js";

/** Length of the gRPC frame header in front of each message. */
const FRAME_HEADER_BYTES = 5;

/** What one external call learns about itself while it is served (for its metrics). */
export interface ApiRequestTracker {
  modelId: string;
  vModelId: string;
  /** Request body bytes, -1 until read. */
  requestBytes: number;
  /** Response body bytes relayed to the client so far. */
  responseBytes: number;
}

/** The gRPC status code the stream was answered with (trailers, or a trailers-only answer). */
function sentCode(stream: ServerHttp2Stream): string {
  const value = stream.sentTrailers?.["grpc-status"] ?? stream.sentHeaders?.["grpc-status"];
  // No status sent: the client went away (reset) before the answer ended.
  if (value === undefined) return "CANCELLED";
  return grpcCodeName(Number(value));
}

/** Message bytes of a body: without the frame header of its (first) message; -1 when unknown. */
function messageBytes(bodyBytes: number): number {
  return bodyBytes < FRAME_HEADER_BYTES ? -1 : bodyBytes - FRAME_HEADER_BYTES;
}

/**
 * Starts measuring one external inference call: when its stream closes, the time since now,
 * the status code it was answered with and its sizes are reported as an API request. Returns
 * undefined (and measures nothing) when metrics are disabled.
 */
export function trackApiRequest(
  ctx: MeshContext,
  stream: ServerHttp2Stream,
  method: string,
): ApiRequestTracker | undefined {
  if (!ctx.metrics.enabled) return undefined;
  const startMs = performance.now();
  const tracker: ApiRequestTracker = { modelId: "", vModelId: "", requestBytes: -1, responseBytes: 0 };
  stream.once("close", () => {
    const code = sentCode(stream);
    // NOT_FOUND names a model or vmodel that does not exist: labelling it with the id a client
    // made up would let any client add series without bound.
    const known = code !== "NOT_FOUND";
    ctx.metrics.apiRequest({
      method,
      code,
      elapsedMs: performance.now() - startMs,
      requestBytes: tracker.requestBytes < 0 ? -1 : messageBytes(tracker.requestBytes),
      responseBytes: code === "OK" ? messageBytes(tracker.responseBytes) : -1,
      modelId: known ? tracker.modelId : "",
      vModelId: known ? tracker.vModelId : "",
    });
  });
  return tracker;
}
