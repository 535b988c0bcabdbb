import type { Payload } from "./payload.js";

/**
 * The JSON body an `http(s)://` processor POSTs for one payload, field for field as the original
 * ModelMesh sends it, so existing consumers keep working: `id`, `modelid` (lower-case `i`),
 * `vModelId` (null when the call named no vmodel), `data` (the message bytes, base64; "" when
 * none), `kind` (`request` | `response`), `status` (the gRPC code name, "" for a request) and
 * `metadata` (header → value; values of `-bin` headers are base64).
 */
export interface RemotePayloadBody {
  readonly id: string;
  readonly modelid: string;
  readonly vModelId: string | null;
  readonly data: string;
  readonly kind: string;
  readonly status: string;
  readonly metadata: Readonly<Record<string, string>>;
}

function base64(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64");
}

/** `-bin` header values re-encoded as padded base64 (clients may send them unpadded). */
function metadataOf(metadata: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) {
    out[key] = key.endsWith("-bin")
      ? value
          .split(",")
          .map((v) => Buffer.from(v.trim(), "base64").toString("base64"))
          .join(",")
      : value;
  }
  return out;
}

/** Builds the {@link RemotePayloadBody} of `payload`. */
export function remotePayloadBody(payload: Payload): RemotePayloadBody {
  return {
    id: payload.id,
    modelid: payload.modelId,
    vModelId: payload.vModelId ?? null,
    data: payload.data === undefined ? "" : base64(payload.data),
    kind: payload.kind,
    status: payload.status ?? "",
    metadata: metadataOf(payload.metadata),
  };
}
