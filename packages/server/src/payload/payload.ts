/** Whether a payload carries what the client sent or what it got back. */
export type PayloadKind = "request" | "response";

/**
 * One side of one inference call, handed to payload processors (docs/payload-processors.md).
 * Each call through the external port gives two payloads with the same `id`: the request, and
 * the response with the call's final gRPC status.
 */
export interface Payload {
  /** Shared by the request and the response of one call; unique within this instance's life. */
  readonly id: string;
  readonly kind: PayloadKind;
  /** The concrete model that served the call (the vmodel's active model for a vmodel call). */
  readonly modelId: string;
  /** The vmodel the client named, when it named one. */
  readonly vModelId: string | undefined;
  /** Full gRPC method name, without the leading slash: `mmesh.ExamplePredictor/predict`. */
  readonly method: string;
  /**
   * Request headers (for the request) or the runtime's response headers (for the response),
   * without HTTP/2 pseudo-headers. Repeated headers are joined with `, `.
   */
  readonly metadata: Readonly<Record<string, string>>;
  /** The protobuf message bytes (gRPC framing removed); undefined when there were none. */
  readonly data: Uint8Array | undefined;
  /** Name of the final gRPC status code (`OK`, `NOT_FOUND`, ...); undefined for a request. */
  readonly status: string | undefined;
}

/** Something that looks at payloads: logs them, sends them somewhere. */
export interface PayloadProcessor {
  /** Short name for logs (`logger`, `http://host/path`). */
  readonly name: string;
  /**
   * Handles one payload. It must not keep `payload.data` after the returned promise settles.
   * Failures are logged by the caller and never reach the inference call.
   */
  process(payload: Payload): Promise<void>;
  /** Releases what the processor holds (connections). */
  close?(): void;
}
