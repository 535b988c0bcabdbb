import type { IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import type { MeshError } from "@modelmesh/core";
import {
  type CollectedResponse,
  type ForwardHandle,
  type ForwardRequest,
  type ForwardSink,
  forwardAndCollect,
  type GrpcForwarder,
  grpcStatusOf,
  translateRuntimeError,
} from "@modelmesh/runtime-client";
import { meshErrorToStatus } from "../edge/grpc-status.js";
import { clientResponseHeaders, clientTrailers, endWithTrailers, statusTrailers } from "./grpc-response.js";

/** Anything that forwards a call like the runtime's forwarder: the runtime, or a peer binding. */
export type CallForwarder = Pick<GrpcForwarder, "forward">;

/** How a relayed call ended. */
export type RelayResult =
  /** The response went to the client (successfully or with a status after it started). */
  | { readonly kind: "done"; readonly value: undefined }
  /** It failed before any response byte was sent: routing may try again. */
  | { readonly kind: "failed"; readonly error: MeshError };

/**
 * Forwards one call to the runtime and streams the answer to the client's HTTP/2 stream as it
 * arrives: response headers, raw body chunks (unary or server-streaming) with back-pressure, and
 * the runtime's trailers. An error before any response byte is returned instead, so the router
 * can retry (reload after NOT_FOUND, another copy); a failure after that ends the client's call
 * with the error's status and is told to `onLateFailure`.
 */
export function relayCall(
  forwarder: CallForwarder,
  request: ForwardRequest,
  client: ServerHttp2Stream,
  onLateFailure?: (error: MeshError) => void,
): Promise<RelayResult> {
  return new Promise((resolve) => {
    let handle: ForwardHandle | undefined;
    const onDrain = () => handle?.resume();
    const sink: ForwardSink = {
      onHeaders(headers: IncomingHttpHeaders) {
        if (client.destroyed) return;
        client.respond(clientResponseHeaders(headers), { waitForTrailers: true });
      },
      onData(chunk: Buffer) {
        if (client.destroyed) return;
        if (!client.write(chunk)) {
          handle?.pause();
          client.once("drain", onDrain);
        }
      },
      onTrailers(trailers: IncomingHttpHeaders) {
        endWithTrailers(client, clientTrailers(trailers));
        resolve({ kind: "done", value: undefined });
      },
      onError(error: MeshError, responseStarted: boolean) {
        if (!responseStarted) {
          resolve({ kind: "failed", error });
          return;
        }
        // Part of the answer reached the client: the call cannot be retried; say why it broke.
        onLateFailure?.(error);
        endWithTrailers(client, statusTrailers(meshErrorToStatus(error)));
        resolve({ kind: "done", value: undefined });
      },
    };
    handle = forwarder.forward(request, sink);
  });
}

/** How a collected call ended. */
export type CollectResult =
  | { readonly kind: "done"; readonly value: CollectedResponse }
  | { readonly kind: "failed"; readonly error: MeshError };

/**
 * Forwards one call and collects the whole answer (multi-model requests, §2.10). Any failure,
 * including an error status after response bytes, is reported as failed: nothing reached the
 * client yet.
 */
export async function collectCall(forwarder: CallForwarder, request: ForwardRequest): Promise<CollectResult> {
  try {
    // forwardAndCollect only calls `forward`.
    const response = await forwardAndCollect(forwarder as GrpcForwarder, request);
    const status = grpcStatusOf(response.trailers);
    if (status !== undefined && status.code !== 0) {
      return { kind: "failed", error: translateRuntimeError(request.path.slice(1), status) };
    }
    return { kind: "done", value: response };
  } catch (error) {
    return { kind: "failed", error: error as MeshError };
  }
}
