import { type ConnectionLimits, DEFAULT_CONNECTION_LIMITS } from "@modelmesh/server";
import { integer } from "../parsers.js";
import type { ConfigReader } from "../reader.js";

/**
 * Connection bounds of the external port and the internal peer port (each port separately);
 * the probe and pre-stop ports take the handshake timeout as their headers timeout.
 */
export type ConnectionLimitsSection = ConnectionLimits;

// Node's HTTP/1.1 server refuses a headers timeout above its request timeout (300 s); timers
// hold at most 2^31-1 ms.
const MAX_HANDSHAKE_MS = 300_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Reads `MM_CONN_*`: handshake and idle timeouts, concurrent streams, open connections. */
export function readConnectionLimitsSection(r: ConfigReader): ConnectionLimitsSection {
  const d = DEFAULT_CONNECTION_LIMITS;
  return {
    handshakeTimeoutMs: r.read(
      {
        env: "MM_CONN_HANDSHAKE_TIMEOUT_MS",
        description:
          "a new connection must send its HTTP/2 preface and SETTINGS, or each HTTP/1.1 request its headers, within this (ms)",
        default: d.handshakeTimeoutMs,
      },
      integer(100, MAX_HANDSHAKE_MS),
    ),
    idleTimeoutMs: r.read(
      {
        env: "MM_CONN_IDLE_TIMEOUT_MS",
        description: "close a connection with no call in flight for this long (ms; 0 = never)",
        default: d.idleTimeoutMs,
      },
      integer(0, MAX_TIMER_MS),
    ),
    maxConcurrentStreams: r.read(
      {
        env: "MM_CONN_MAX_CONCURRENT_STREAMS",
        description: "HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS per connection (external and peer ports)",
        default: d.maxConcurrentStreams,
      },
      integer(1, 2 ** 31 - 1),
    ),
    maxConnections: r.read(
      {
        env: "MM_CONN_MAX_CONNECTIONS",
        description: "open connections per port (external and peer); more are closed at once",
        default: d.maxConnections,
      },
      integer(1, 1_000_000),
    ),
  };
}
