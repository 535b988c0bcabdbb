import { isMeshError, type MeshError, type MeshErrorCode } from "@modelmesh/core";
import { connectionErrorCode, GrpcCode } from "@modelmesh/runtime-client";

// The code table and names are the runtime client's: one definition for the whole mesh.
export { GrpcCode, grpcCodeName } from "@modelmesh/runtime-client";

// The one table from domain error codes to what clients see (§13.3 of the behaviour reference).
// Not-here and instance-unavailable only reach a client when every retry is spent: the original
// reports those as INTERNAL with the message.
const statusByCode: Record<MeshErrorCode, number> = {
  MODEL_NOT_FOUND: GrpcCode.NOT_FOUND,
  MODEL_NOT_HERE: GrpcCode.INTERNAL,
  LOAD_FAILED: GrpcCode.INTERNAL,
  CAPACITY_EXHAUSTED: GrpcCode.RESOURCE_EXHAUSTED,
  INSTANCE_UNAVAILABLE: GrpcCode.INTERNAL,
  RUNTIME_ERROR: GrpcCode.UNKNOWN,
  STORE_CONFLICT: GrpcCode.INTERNAL,
  STORE_UNAVAILABLE: GrpcCode.UNAVAILABLE,
  INVALID_DATA: GrpcCode.INTERNAL,
  INVALID_ARGUMENT: GrpcCode.INVALID_ARGUMENT,
  ALREADY_EXISTS: GrpcCode.ALREADY_EXISTS,
  FAILED_PRECONDITION: GrpcCode.FAILED_PRECONDITION,
  UNIMPLEMENTED: GrpcCode.UNIMPLEMENTED,
  CANCELLED: GrpcCode.CANCELLED,
  DEADLINE_EXCEEDED: GrpcCode.DEADLINE_EXCEEDED,
  INTERNAL: GrpcCode.INTERNAL,
};

/** A gRPC status to send to a client. */
export interface GrpcStatus {
  readonly code: number;
  readonly message: string;
}

/**
 * Maps a domain error to the status a client sees; a runtime's own code passes through. An
 * instance-unavailable error caused by a failed connection (refused, reset, or a runtime that
 * stopped answering keep-alive PINGs) is UNAVAILABLE: nothing answered, so the client may retry,
 * elsewhere or later. A runtime that answered UNAVAILABLE itself stays INTERNAL, as the original.
 */
export function meshErrorToStatus(error: MeshError): GrpcStatus {
  if (error.code === "RUNTIME_ERROR" && error.details.grpcCode !== undefined) {
    return { code: error.details.grpcCode, message: error.message };
  }
  if (error.code === "INSTANCE_UNAVAILABLE" && connectionErrorCode(error) !== undefined) {
    return { code: GrpcCode.UNAVAILABLE, message: error.message };
  }
  return { code: statusByCode[error.code], message: error.message };
}

/** Maps anything thrown to a status: MeshErrors by the table, anything else INTERNAL. */
export function toGrpcStatus(error: unknown): GrpcStatus {
  if (isMeshError(error)) return meshErrorToStatus(error);
  return { code: GrpcCode.INTERNAL, message: error instanceof Error ? error.message : String(error) };
}
