import type { IncomingHttpHeaders } from "node:http2";
import { grpcCodeName } from "@modelmesh/runtime-client";
import type { CompressedData, FramedMessage } from "./compressed-data.js";
import type { Payload } from "./payload.js";
import type { PayloadProcessing } from "./payload-processing.js";

/** Told of a relayed response as it passes to the client (the bytes are not copied). */
export interface ResponseObserver {
  onHeaders(headers: IncomingHttpHeaders): void;
  onData(chunk: Buffer): void;
  onTrailers(trailers: IncomingHttpHeaders): void;
}

/** Headers as payload metadata: no pseudo-headers, repeated values joined with `, `. */
export function payloadMetadata(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (key.startsWith(":") || value === undefined) continue;
    out[key] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** The messages of gRPC-framed `chunks`, 5-byte prefixes removed; a trailing partial frame is left out. */
export function framedMessages(chunks: readonly Buffer[]): FramedMessage[] {
  if (chunks.length === 0) return [];
  const all = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  const messages: FramedMessage[] = [];
  let offset = 0;
  while (offset + 5 <= all.length) {
    const end = offset + 5 + all.readUInt32BE(offset + 1);
    if (end > all.length) break;
    messages.push({ bytes: all.subarray(offset + 5, end), compressed: all[offset] === 1 });
    offset = end;
  }
  return messages;
}

/**
 * The message bytes of gRPC-framed `chunks` (prefixes removed, several messages concatenated),
 * or, when a message is compressed, the messages to inflate later with `encoding`.
 */
export function messageData(
  chunks: readonly Buffer[],
  encoding: string | string[] | undefined,
): { readonly data: Uint8Array | undefined; readonly compressed?: CompressedData } {
  const messages = framedMessages(chunks);
  if (messages.length === 0) return { data: undefined };
  if (messages.some((m) => m.compressed)) {
    return {
      data: undefined,
      compressed: { encoding: typeof encoding === "string" ? encoding : "", messages },
    };
  }
  return { data: messages.length === 1 ? messages[0]?.bytes : Buffer.concat(messages.map((m) => m.bytes)) };
}

function statusOf(headers: IncomingHttpHeaders): number | undefined {
  const raw = headers["grpc-status"];
  if (typeof raw !== "string") return undefined;
  const code = Number(raw);
  return Number.isInteger(code) ? code : undefined;
}

/**
 * Collects one external inference call for the payload processors: the request's headers and
 * message, and (through {@link CallCapture.observer}) the response's headers, bytes and status.
 * {@link CallCapture.finish} submits the request and response payloads. Only created when
 * processors are configured: without them the hit path keeps no reference to any byte.
 */
export class CallCapture {
  /** The concrete model the call was routed to (set by the router, last one wins). */
  modelId: string;
  readonly #processing: PayloadProcessing;
  readonly #request: { method: string; headers: IncomingHttpHeaders; body: readonly Buffer[] };
  readonly #vModelId: string | undefined;
  readonly #maxResponseBytes: number;
  #responseHeaders: IncomingHttpHeaders | undefined;
  #responseChunks: Buffer[] = [];
  #responseBytes = 0;
  #status: number | undefined;

  constructor(
    processing: PayloadProcessing,
    call: {
      readonly method: string;
      readonly headers: IncomingHttpHeaders;
      readonly body: readonly Buffer[];
      readonly requestedId: string;
      readonly vModelId: string | undefined;
      /** Response bytes kept at most; a larger (streamed) response is reported without data. */
      readonly maxResponseBytes: number;
    },
  ) {
    this.#processing = processing;
    this.#request = call;
    this.modelId = call.requestedId;
    this.#vModelId = call.vModelId;
    this.#maxResponseBytes = call.maxResponseBytes;
  }

  /** Pass to the relay: sees the response on its way to the client. */
  readonly observer: ResponseObserver = {
    onHeaders: (headers) => {
      this.#responseHeaders = headers;
      this.#status = statusOf(headers) ?? this.#status;
    },
    onData: (chunk) => {
      if (this.#responseBytes > this.#maxResponseBytes) return;
      this.#responseBytes += chunk.length;
      if (this.#responseBytes > this.#maxResponseBytes) this.#responseChunks = [];
      else this.#responseChunks.push(chunk);
    },
    onTrailers: (trailers) => {
      this.#status = statusOf(trailers) ?? this.#status;
    },
  };

  /** Submits both payloads; `failureCode` is the status the call was answered with when it failed. */
  finish(failureCode: number | undefined): void {
    const id = this.#processing.nextId();
    const common = { id, modelId: this.modelId, vModelId: this.#vModelId, method: this.#request.method };
    const requestData = messageData(this.#request.body, this.#request.headers["grpc-encoding"]);
    const request: Payload = {
      ...common,
      kind: "request",
      metadata: payloadMetadata(this.#request.headers),
      data: requestData.data,
      status: undefined,
    };
    const code = failureCode ?? this.#status ?? 0;
    const responseData =
      failureCode === undefined
        ? messageData(this.#responseChunks, this.#responseHeaders?.["grpc-encoding"])
        : { data: undefined };
    const response: Payload = {
      ...common,
      kind: "response",
      metadata: this.#responseHeaders === undefined ? {} : payloadMetadata(this.#responseHeaders),
      data: responseData.data,
      status: grpcCodeName(code),
    };
    this.#processing.submit(request, requestData.compressed);
    this.#processing.submit(response, responseData.compressed);
  }
}
