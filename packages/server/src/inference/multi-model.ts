import type { IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import {
  combineMultiModel,
  type Logger,
  MeshError,
  type ModelCallResult,
  multiModelFailureAction,
  type RequiredModels,
} from "@modelmesh/core";
import type { CollectedResponse } from "@modelmesh/runtime-client";
import type { MeshContext } from "../mesh-context.js";
import type { RoutingView } from "../routing/routing-view.js";
import { clientResponseHeaders, endWithTrailers } from "./grpc-response.js";
import { injectModelId, type MessageEncoding } from "./id-injection.js";
import { routeInference } from "./inference-route.js";
import { collectCall } from "./relay-call.js";

/** A request naming several models (§2.10). */
export interface MultiModelCall {
  readonly ids: readonly string[];
  readonly required: RequiredModels;
  /** `MM_MULTI_PARALLELISM`: model calls at once. */
  readonly parallelism: number;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: readonly Buffer[];
  /** The runtime's id injection path for this method (empty: none). */
  readonly injectionPath: readonly number[];
  /** The request message's compression, for the id injection. */
  readonly encoding: MessageEncoding;
  readonly balanced: boolean;
  readonly deadlineMs: number | undefined;
  readonly signal: AbortSignal;
  readonly client: ServerHttp2Stream;
  /** The call's logger (with its `MM_LOG_REQUEST_HEADERS` fields). */
  readonly logger: Logger;
}

/** The message payloads of a response body, without their length prefixes. */
function payloads(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i + 5 <= body.length; ) {
    const length = body.readUInt32BE(i + 1);
    out.push(body.subarray(i + 5, i + 5 + length));
    i += 5 + length;
  }
  return out;
}

/** One message made of the responses' bytes in order: protobuf concatenation merges them (§2.10). */
function mergedMessage(responses: readonly CollectedResponse[]): Buffer {
  const parts = responses.flatMap((r) => payloads(r.body));
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(length, 1);
  return Buffer.concat([prefix, ...parts]);
}

/** Runs the per-model calls, at most `parallelism` at once; a failure that fails the request cancels the rest. */
async function callEach(
  ctx: MeshContext,
  view: RoutingView,
  call: MultiModelCall,
): Promise<{ results: ModelCallResult<CollectedResponse>[]; firstFatal: MeshError | undefined }> {
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  call.signal.addEventListener("abort", onAbort, { once: true });
  const results: ModelCallResult<CollectedResponse>[] = [];
  let firstFatal: MeshError | undefined;
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < call.ids.length; i = next++) {
      const modelId = call.ids[i] as string;
      try {
        const value = await routeInference(ctx, view, {
          modelId,
          path: call.path,
          headers: call.headers,
          body:
            call.injectionPath.length > 0
              ? injectModelId(call.body, call.injectionPath, modelId, call.encoding)
              : call.body,
          balanced: call.balanced,
          deadlineMs: call.deadlineMs,
          signal: controller.signal,
          logger: call.logger,
          send: (request, via) => collectCall(via ?? ctx.runtime.forwarder, request),
        });
        results[i] = { kind: "ok", value };
      } catch (error) {
        const failure = MeshError.from(error);
        results[i] = { kind: "failed", error: failure };
        if (multiModelFailureAction(failure, call.required) === "fail" && firstFatal === undefined) {
          firstFatal = failure;
          controller.abort();
        }
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(call.parallelism, call.ids.length) }, worker));
  } finally {
    call.signal.removeEventListener("abort", onAbort);
  }
  return { results, firstFatal };
}

/**
 * Serves a multi-model request (§2.10): the same request goes to every model (each routed on its
 * own), not-found models are skipped unless `mm-required: all`, any other failure fails the call,
 * and the answers are merged into one message in header order. None found → NOT_FOUND "none of
 * the requested models were found".
 */
export async function serveMultiModel(
  ctx: MeshContext,
  view: RoutingView,
  call: MultiModelCall,
): Promise<void> {
  const { results, firstFatal } = await callEach(ctx, view, call);
  if (firstFatal !== undefined) throw firstFatal;
  const combined = combineMultiModel(results, call.required);
  if (combined.kind === "failed") throw combined.error;
  const client = call.client;
  if (client.destroyed || client.closed) return;
  const headers: IncomingHttpHeaders = {};
  for (const response of combined.values) Object.assign(headers, response.headers);
  client.respond(clientResponseHeaders(headers), { waitForTrailers: true });
  client.write(
    combined.values.length === 1
      ? (combined.values[0] as CollectedResponse).body
      : mergedMessage(combined.values),
  );
  endWithTrailers(client, { "grpc-status": "0" });
}
