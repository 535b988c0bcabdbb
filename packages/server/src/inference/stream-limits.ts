/**
 * Per-call bounds of the inference pass-through (the serving port and forwarded calls on the
 * peer port), so a client that sends or reads too slowly cannot hold memory or a call for ever.
 */
export interface StreamLimits {
  /**
   * Longest time a request body may take to arrive complete, from the start of the call, ms.
   * A body still incomplete then (the client sent part of it, then nothing, or trickles) ends
   * the call with DEADLINE_EXCEEDED. Default 60 000.
   */
  readonly requestBodyTimeoutMs: number;
  /**
   * Longest time a client may take no response bytes while the mesh holds bytes for it, ms: the
   * relay has stopped reading from the runtime because the client's stream is full, or the
   * answer is complete and waits for the client to take it. The stream is then reset
   * (RST_STREAM CANCEL) and the runtime call cancelled. Default 60 000.
   */
  readonly stallTimeoutMs: number;
  /**
   * HTTP/2 receive window per call toward peers, bytes: the most response bytes a forwarded call
   * holds here while its client does not read. (The gateway gives the runtime's connection the
   * same window.) Default 8 MiB.
   */
  readonly responseWindowBytes: number;
}

/** The defaults of {@link StreamLimits}. */
export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  requestBodyTimeoutMs: 60_000,
  stallTimeoutMs: 60_000,
  responseWindowBytes: 8 * 1024 * 1024,
};
