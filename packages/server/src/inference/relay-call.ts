import { constants, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import { MeshError } from "@modelmesh/core";
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
import type { ResponseObserver } from "../payload/call-capture.js";
import { clientResponseHeaders, clientTrailers, endWithTrailers, statusTrailers } from "./grpc-response.js";

/** Anything that forwards a call like the runtime's forwarder: the runtime, or a peer binding. */
export type CallForwarder = Pick<GrpcForwarder, "forward">;

/** How a relayed call ended. */
export type RelayResult =
  /** The response went to the client (successfully or with a status after it started). */
  | { readonly kind: "done"; readonly value: undefined }
  /** It failed before any response byte was sent: routing may try again. */
  | { readonly kind: "failed"; readonly error: MeshError };

/** How {@link relayCall} treats the client. */
export interface RelayOptions {
  /**
   * Longest time the client may take no response bytes while the relay has stopped reading from
   * the runtime for it (its stream is full), ms; the client's stream is then reset
   * (RST_STREAM CANCEL) and the runtime call cancelled. See `StreamLimits.stallTimeoutMs`.
   */
  readonly stallTimeoutMs: number;
  /** Told of a failure after part of the answer was sent (the client sees it as its status). */
  readonly onLateFailure?: (error: MeshError) => void;
  /** Sees the response as it passes (payload processors); absent when nobody looks. */
  readonly observer?: ResponseObserver;
  /** Told of each response body chunk relayed to the client (its size in bytes), for metrics. */
  readonly onResponseBytes?: (bytes: number) => void;
}

/**
 * Forwards one call to the runtime and streams the answer to the client's HTTP/2 stream as it
 * arrives: response headers, raw body chunks (unary or server-streaming) with back-pressure, and
 * the runtime's trailers. An error before any response byte is returned instead, so the router
 * can retry (reload after NOT_FOUND, another copy); a failure after that ends the client's call
 * with the error's status and is told to `onLateFailure`.
 *
 * Back-pressure: when the client's stream is full the relay stops reading from the runtime,
 * whose flow-control window then bounds what this call buffers here; a client that takes nothing
 * for `stallTimeoutMs` meanwhile has its stream reset and the runtime call cancelled.
 */
export function relayCall(
  forwarder: CallForwarder,
  request: ForwardRequest,
  client: ServerHttp2Stream,
  options: RelayOptions,
): Promise<RelayResult> {
  return new Promise((resolve) => {
    let handle: ForwardHandle | undefined;
    let stallTimer: NodeJS.Timeout | undefined;
    let stalled = false;
    const onDrain = () => {
      clearTimeout(stallTimer);
      stallTimer = undefined;
      handle?.resume();
    };
    const onStall = () => {
      stalled = true;
      options.onLateFailure?.(
        new MeshError(
          "CANCELLED",
          `the client took no response bytes for ${options.stallTimeoutMs} ms: its stream was reset`,
        ),
      );
      client.off("drain", onDrain);
      if (!client.closed) client.close(constants.NGHTTP2_CANCEL);
      handle?.cancel();
    };
    const settle = () => {
      clearTimeout(stallTimer);
      client.off("drain", onDrain);
      resolve({ kind: "done", value: undefined });
    };
    const sink: ForwardSink = {
      onHeaders(headers: IncomingHttpHeaders) {
        options.observer?.onHeaders(headers);
        if (client.destroyed) return;
        client.respond(clientResponseHeaders(headers), { waitForTrailers: true });
      },
      onData(chunk: Buffer) {
        options.observer?.onData(chunk);
        if (client.destroyed) return;
        options.onResponseBytes?.(chunk.length);
        if (!client.write(chunk) && stallTimer === undefined) {
          handle?.pause();
          client.once("drain", onDrain);
          stallTimer = setTimeout(onStall, options.stallTimeoutMs);
        }
      },
      onTrailers(trailers: IncomingHttpHeaders) {
        options.observer?.onTrailers(trailers);
        endWithTrailers(client, clientTrailers(trailers));
        settle();
      },
      onError(error: MeshError, responseStarted: boolean) {
        if (!responseStarted) {
          clearTimeout(stallTimer);
          resolve({ kind: "failed", error });
          return;
        }
        // Part of the answer reached the client: the call cannot be retried; say why it broke.
        if (!stalled) options.onLateFailure?.(error);
        const trailers = statusTrailers(meshErrorToStatus(error));
        options.observer?.onTrailers(trailers as IncomingHttpHeaders);
        endWithTrailers(client, trailers);
        settle();
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
