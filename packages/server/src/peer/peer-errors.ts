import type { IncomingHttpHeaders } from "node:http2";
import { MeshError, type MeshErrorCode, type MeshErrorDetails } from "@modelmesh/core";
import { truncateMessage } from "@modelmesh/runtime-client";
import { GrpcCode, type GrpcStatus, grpcCodeName, meshErrorToStatus } from "../edge/grpc-status.js";
import { decodeId, encodeId } from "./context-headers.js";

/** Trailers (or trailers-only headers) that carry a typed error across the hop. */
export const errorTrailerNames = {
  kind: "mm-internal-error-kind",
  instanceId: "mm-internal-instance-id",
  modelId: "mm-internal-model-id",
  runtimeCode: "mm-internal-runtime-code",
} as const;

/** The wire names of the error kinds: one per `MeshErrorCode`. */
export type PeerErrorKind =
  | "not-found"
  | "not-here"
  | "load-failed"
  | "runtime-status"
  | "internal"
  | "unavailable"
  | "capacity-exhausted"
  | "cancelled"
  | "deadline-exceeded"
  | "invalid-argument"
  | "store-conflict"
  | "store-unavailable"
  | "invalid-data"
  | "already-exists"
  | "failed-precondition"
  | "unimplemented";

// A Record over every code, so a new core code fails to compile until it has a wire name.
const kindByCode: Readonly<Record<MeshErrorCode, PeerErrorKind>> = {
  MODEL_NOT_FOUND: "not-found",
  MODEL_NOT_HERE: "not-here",
  LOAD_FAILED: "load-failed",
  RUNTIME_ERROR: "runtime-status",
  INTERNAL: "internal",
  INSTANCE_UNAVAILABLE: "unavailable",
  CAPACITY_EXHAUSTED: "capacity-exhausted",
  CANCELLED: "cancelled",
  DEADLINE_EXCEEDED: "deadline-exceeded",
  INVALID_ARGUMENT: "invalid-argument",
  STORE_CONFLICT: "store-conflict",
  STORE_UNAVAILABLE: "store-unavailable",
  INVALID_DATA: "invalid-data",
  ALREADY_EXISTS: "already-exists",
  FAILED_PRECONDITION: "failed-precondition",
  UNIMPLEMENTED: "unimplemented",
};

const codeByKind: ReadonlyMap<string, MeshErrorCode> = new Map(
  Object.entries(kindByCode).map(([code, kind]) => [kind, code as MeshErrorCode]),
);

/**
 * Longest error message sent to a peer, characters (4096): the runtime's own text is already cut
 * to 2048 (`MAX_RUNTIME_MESSAGE_CHARS`); this leaves room for the mesh's prefixes while keeping
 * every answer's trailers far below any header-list limit.
 */
export const MAX_PEER_ERROR_MESSAGE_CHARS = 4096;

/**
 * The error to send a peer that asked about `askedModelId`: the same error, except that an error
 * about another model (its `modelId` differs) has its message withheld, so no caller of the
 * internal port learns what a runtime said about a model it did not ask for. The code and kind
 * stay, so routing still decides the same way.
 */
export function errorForPeer(error: MeshError, askedModelId: string): MeshError {
  const about = error.details.modelId;
  if (about === undefined || about === askedModelId) return error;
  const { modelId: _other, ...details } = error.details;
  return new MeshError(error.code, `${kindByCode[error.code]} error concerning another model`, details);
}

/** A MeshError as it crosses the hop: the gRPC status, and the error-kind fields to add to it. */
export interface EncodedPeerError {
  readonly status: GrpcStatus;
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Encodes a MeshError for the sender: the status a plain gRPC client would see (the client-facing
 * table, so a runtime's own code stays the code) and the `mm-internal-*` fields that let a mesh
 * peer rebuild the same error (kind, instance id, model id, runtime code). The message is cut to
 * {@link MAX_PEER_ERROR_MESSAGE_CHARS}.
 */
export function encodePeerError(error: MeshError): EncodedPeerError {
  const metadata: Record<string, string> = { [errorTrailerNames.kind]: kindByCode[error.code] };
  const { instanceId, modelId, grpcCode } = error.details;
  if (instanceId !== undefined && instanceId !== "")
    metadata[errorTrailerNames.instanceId] = encodeId(instanceId);
  if (modelId !== undefined && modelId !== "") metadata[errorTrailerNames.modelId] = encodeId(modelId);
  if (grpcCode !== undefined) metadata[errorTrailerNames.runtimeCode] = String(grpcCode);
  const status = meshErrorToStatus(error);
  return {
    status: { code: status.code, message: truncateMessage(status.message, MAX_PEER_ERROR_MESSAGE_CHARS) },
    metadata,
  };
}

/** Response headers or trailers, as Node (`IncomingHttpHeaders`) or Connect (`Headers`) hold them. */
export type HeaderSource = IncomingHttpHeaders | Headers;

function read(source: HeaderSource, name: string): string | undefined {
  if (source instanceof Headers) return source.get(name) ?? undefined;
  const value = source[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/** Which peer answered, for messages and as the default instance of its errors. */
export interface PeerIdentity {
  readonly instanceId: string;
  /** `host:port`. */
  readonly label: string;
}

function describe(peer: PeerIdentity): string {
  return `peer ${peer.instanceId} (${peer.label})`;
}

/** An answer that did not come from a mesh peer's error encoder (a proxy, a wrong port, a crash). */
function foreignError(status: GrpcStatus, peer: PeerIdentity): MeshError {
  const text = `call to ${describe(peer)} failed: ${grpcCodeName(status.code)}: ${status.message}`;
  // Deadlines and cancellations also arise in the sender's own transport (no trailers at all).
  if (status.code === GrpcCode.DEADLINE_EXCEEDED) return new MeshError("DEADLINE_EXCEEDED", text);
  if (status.code === GrpcCode.CANCELLED) return new MeshError("CANCELLED", text);
  if (status.code === GrpcCode.UNAVAILABLE)
    return new MeshError("INSTANCE_UNAVAILABLE", text, { instanceId: peer.instanceId });
  return new MeshError("INTERNAL", `${text} (not a mesh peer error)`, { instanceId: peer.instanceId });
}

function malformed(peer: PeerIdentity, what: string, status: GrpcStatus): MeshError {
  return new MeshError("INTERNAL", `${describe(peer)} sent a malformed error (${what}): ${status.message}`, {
    instanceId: peer.instanceId,
  });
}

/**
 * Rebuilds the MeshError a peer encoded with {@link encodePeerError}: same code, message,
 * instance id (the peer's own when it sent none: a load failure or not-here always names an
 * instance), model id and runtime status code. An error status without an error kind did not
 * come from a mesh peer: UNAVAILABLE becomes `INSTANCE_UNAVAILABLE`, CANCELLED and
 * DEADLINE_EXCEEDED stay themselves, anything else is `INTERNAL` naming the peer. Unknown kinds
 * and malformed fields are `INTERNAL` too, so routing tries another copy.
 */
export function decodePeerError(status: GrpcStatus, metadata: HeaderSource, peer: PeerIdentity): MeshError {
  const kind = read(metadata, errorTrailerNames.kind);
  if (kind === undefined) return foreignError(status, peer);
  const code = codeByKind.get(kind);
  if (code === undefined) return malformed(peer, `unknown error kind "${kind}"`, status);
  const details: { -readonly [K in keyof MeshErrorDetails]: MeshErrorDetails[K] } = {};
  const instanceText = read(metadata, errorTrailerNames.instanceId);
  if (instanceText !== undefined) {
    const instanceId = decodeId(instanceText);
    if (instanceId === undefined) return malformed(peer, `instance id "${instanceText}"`, status);
    details.instanceId = instanceId;
  } else if (code === "LOAD_FAILED" || code === "MODEL_NOT_HERE") {
    details.instanceId = peer.instanceId;
  }
  const modelText = read(metadata, errorTrailerNames.modelId);
  if (modelText !== undefined) {
    const modelId = decodeId(modelText);
    if (modelId === undefined) return malformed(peer, `model id "${modelText}"`, status);
    details.modelId = modelId;
  }
  const runtimeText = read(metadata, errorTrailerNames.runtimeCode);
  if (runtimeText !== undefined) {
    if (!/^\d{1,2}$/.test(runtimeText)) return malformed(peer, `runtime code "${runtimeText}"`, status);
    details.grpcCode = Number(runtimeText);
  } else if (code === "RUNTIME_ERROR") {
    details.grpcCode = status.code;
  }
  return new MeshError(code, status.message, details);
}
