import type { OutgoingHttpHeaders } from "node:http2";
import { encodeContextHeaders } from "./context-headers.js";
import type { PeerRoutingContext } from "./routing-context.js";

/** Connection-level headers (HTTP/2 forbids them) and those the forwarder sets itself. */
const droppedHeaders = new Set([
  "content-length",
  "host",
  "te",
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
]);

/** The body is passed on as it is, so its compression must still be named. */
const keptGrpcHeaders = new Set(["grpc-encoding", "grpc-accept-encoding"]);

/**
 * The headers of a forwarded inference call: the client's headers without pseudo-headers,
 * connection-level headers, the mesh's `mm-*` headers (the model is named by the context) and
 * `grpc-*` (the deadline is re-encoded from what is left of it; the encoding pair is kept), plus
 * the routing context's `mm-internal-*` headers. `incoming` may be the request's headers as
 * received or an already filtered copy.
 */
export function peerRequestHeaders(
  incoming: OutgoingHttpHeaders,
  context: PeerRoutingContext,
): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name in incoming) {
    if (name.charCodeAt(0) === 58 /* ":" */ || droppedHeaders.has(name) || name.startsWith("mm-")) continue;
    if (name.startsWith("grpc-") && !keptGrpcHeaders.has(name)) continue;
    out[name] = incoming[name];
  }
  return Object.assign(out, encodeContextHeaders(context));
}
