/**
 * Bounds on the client connections of one listening port (the external port and the internal
 * peer port), so that idle, slow or flooding clients cannot hold file descriptors and memory.
 */
export interface ConnectionLimits {
  /**
   * Overall deadline for a new connection to show its protocol, ms: for HTTP/2 the client's
   * preface and first SETTINGS frame, for HTTP/1.1 the headers of each request. A client that
   * trickles bytes is cut off when it passes, however often it sends.
   */
  readonly handshakeTimeoutMs: number;
  /**
   * A connection with no open stream (HTTP/2) or request (HTTP/1.1) for this long is closed
   * (HTTP/2: GOAWAY), ms; 0 = never. Calls in flight, however long, keep it open.
   */
  readonly idleTimeoutMs: number;
  /**
   * `SETTINGS_MAX_CONCURRENT_STREAMS` of each HTTP/2 connection. Streams a client opens beyond it
   * before it acknowledged the setting are refused with REFUSED_STREAM; a client that breaks the
   * acknowledged limit loses its connection (GOAWAY), as nghttp2 decides.
   */
  readonly maxConcurrentStreams: number;
  /** Open connections on the port; connections beyond it are closed as soon as they are accepted. */
  readonly maxConnections: number;
}

/**
 * Defaults for a model-serving gateway: 10 s to show the protocol (a client on any sane network
 * sends its preface at once), 5 min idle (clients keep long-lived connections and reconnect
 * transparently after GOAWAY), 1,000 concurrent streams per connection (one client multiplexes
 * many calls; an honest client queues beyond it) and 4,096 connections per port (load balancers
 * open many short connections; well under usual file-descriptor limits).
 */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 300_000,
  maxConcurrentStreams: 1000,
  maxConnections: 4096,
};
