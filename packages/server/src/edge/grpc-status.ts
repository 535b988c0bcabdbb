import { isMeshError, type MeshError, type MeshErrorCode } from "@modelmesh/core";

/** gRPC status codes (the numbers are the wire values; Connect's `Code` uses the same). */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** Name of a gRPC status code number (`"NOT_FOUND"`), or `"CODE_<n>"` for unknown numbers. */
export function grpcCodeName(code: number): string {
  for (const [name, value] of Object.entries(GrpcCode)) if (value === code) return name;
  return `CODE_${code}`;
}

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

/** Maps a domain error to the status a client sees; a runtime's own code passes through. */
export function meshErrorToStatus(error: MeshError): GrpcStatus {
  if (error.code === "RUNTIME_ERROR" && error.details.grpcCode !== undefined) {
    return { code: error.details.grpcCode, message: error.message };
  }
  return { code: statusByCode[error.code], message: error.message };
}

/** Maps anything thrown to a status: MeshErrors by the table, anything else INTERNAL. */
export function toGrpcStatus(error: unknown): GrpcStatus {
  if (isMeshError(error)) return meshErrorToStatus(error);
  return { code: GrpcCode.INTERNAL, message: error instanceof Error ? error.message : String(error) };
}
