import { integer } from "../parsers.js";
import type { ConfigReader } from "../reader.js";

/**
 * Per-call bounds of the inference pass-through (serving port and forwarded calls on the peer
 * port): a client that sends its request or takes its answer too slowly cannot hold a call, or
 * the bytes buffered for it, for ever.
 */
export interface StreamLimitsSection {
  /** `MM_REQUEST_BODY_TIMEOUT_MS`: a request body must arrive complete within this (ms); else DEADLINE_EXCEEDED. */
  readonly requestBodyTimeoutMs: number;
  /**
   * `MM_STREAM_STALL_TIMEOUT_MS`: a client that takes no response bytes for this long while the
   * gateway holds bytes for it gets its stream reset and the runtime call cancelled (ms).
   */
  readonly stallTimeoutMs: number;
  /**
   * `MM_STREAM_WINDOW_BYTES`: HTTP/2 receive window per call toward the runtime and peers: the
   * most response bytes one call buffers in the gateway while its client does not read (bytes).
   */
  readonly windowBytes: number;
}

/** Smallest window HTTP/2 allows a peer to assume (its initial default), bytes. */
const MIN_WINDOW_BYTES = 65_535;
/** Largest HTTP/2 flow-control window, bytes. */
const MAX_WINDOW_BYTES = 2 ** 31 - 1;

/** Reads the per-call stream limits. */
export function readStreamLimitsSection(r: ConfigReader): StreamLimitsSection {
  return {
    requestBodyTimeoutMs: r.read(
      {
        env: "MM_REQUEST_BODY_TIMEOUT_MS",
        description: "a request body must arrive complete within this, else DEADLINE_EXCEEDED (ms)",
        default: 60_000,
      },
      integer(1),
    ),
    stallTimeoutMs: r.read(
      {
        env: "MM_STREAM_STALL_TIMEOUT_MS",
        description:
          "a client taking no response bytes this long while the gateway holds some for it is reset (ms)",
        default: 60_000,
      },
      integer(1),
    ),
    windowBytes: r.read(
      {
        env: "MM_STREAM_WINDOW_BYTES",
        description:
          "HTTP/2 window per call toward the runtime and peers: most response bytes held for a client not reading (bytes)",
        default: 8 * 1024 * 1024,
      },
      integer(MIN_WINDOW_BYTES, MAX_WINDOW_BYTES),
    ),
  };
}
