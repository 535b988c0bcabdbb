import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http2";

/** Headers never sent on: connection-level ones (HTTP/2 forbids them) and those the forwarder sets. */
const droppedHeaders = new Set([
  "user-agent",
  "tas-model-id",
  "content-length",
  "host",
  "te",
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
]);

/**
 * `grpc-*` headers are dropped (§2.5), except these two: the body is passed on as it is, so the
 * runtime must still learn how its messages are compressed and what the client can decompress.
 * (The original could drop them because its gRPC layer decompressed messages first.)
 */
const keptGrpcHeaders = new Set(["grpc-encoding", "grpc-accept-encoding"]);

/** Model id headers, cached per id: base64 and the ASCII check are not redone per call. */
const idHeaderCache = new Map<string, { readonly bin: string; readonly ascii: boolean }>();

/** True when every character is visible ASCII (32..126), so the id may travel as plain `mm-model-id`. */
export function isVisibleAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 32 || c > 126) return false;
  }
  return true;
}

function idHeaders(modelId: string) {
  let cached = idHeaderCache.get(modelId);
  if (cached === undefined) {
    if (idHeaderCache.size >= 4096) idHeaderCache.clear();
    cached = { bin: Buffer.from(modelId, "utf8").toString("base64"), ascii: isVisibleAscii(modelId) };
    idHeaderCache.set(modelId, cached);
  }
  return cached;
}

/**
 * The headers an inference call carries to the runtime (§2.5, §2.6.2): the client's headers
 * without pseudo-headers, `user-agent`, `tas-model-id`, `grpc-*` (except the encoding pair) and
 * `mm-*`, plus the concrete model id as `mm-model-id-bin` (always, base64 UTF-8) and `mm-model-id`
 * (when the id is visible ASCII). `content-type` is kept; the forwarder adds `te` and the deadline.
 */
export function runtimeRequestHeaders(incoming: IncomingHttpHeaders, modelId: string): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name in incoming) {
    if (name.charCodeAt(0) === 58 /* ":" */ || droppedHeaders.has(name) || name.startsWith("mm-")) continue;
    if (name.startsWith("grpc-") && !keptGrpcHeaders.has(name)) continue;
    out[name] = incoming[name];
  }
  const id = idHeaders(modelId);
  out["mm-model-id-bin"] = id.bin;
  if (id.ascii) out["mm-model-id"] = modelId;
  return out;
}
