/** gRPC status code names (as the gRPC spec spells them) by number. */
export const grpcCodeNames = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
] as const;

/** gRPC status codes by name (the numbers are the wire values; Connect's `Code` uses the same). */
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

/** A gRPC status: code number and (decoded) message. */
export interface GrpcStatus {
  readonly code: number;
  readonly message: string;
}

/** `UNAVAILABLE` for 14; `CODE_<n>` for numbers outside the spec. */
export function grpcCodeName(code: number): string {
  return grpcCodeNames[code] ?? `CODE_${code}`;
}

/** Decodes a `grpc-message` header value (percent-encoded UTF-8, gRPC HTTP/2 spec). */
export function decodeGrpcMessage(value: string): string {
  if (!value.includes("%")) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    // Malformed escapes: keep the text as sent rather than lose it.
    return value;
  }
}

/** Reads `grpc-status`/`grpc-message` from response headers or trailers; undefined when absent. */
export function grpcStatusOf(headers: Readonly<Record<string, unknown>>): GrpcStatus | undefined {
  const raw = headers["grpc-status"];
  if (raw === undefined) return undefined;
  const code = Number(Array.isArray(raw) ? raw[0] : raw);
  const message = headers["grpc-message"];
  return {
    code: Number.isInteger(code) && code >= 0 ? code : GrpcCode.UNKNOWN,
    message: typeof message === "string" ? decodeGrpcMessage(message) : "",
  };
}

/**
 * The gRPC code for an HTTP status that is not 200, per the gRPC "HTTP to gRPC status" mapping
 * (a proxy or a non-gRPC server answered).
 */
export function grpcCodeForHttpStatus(status: number): number {
  switch (status) {
    case 400:
      return GrpcCode.INTERNAL;
    case 401:
      return 16;
    case 403:
      return 7;
    case 404:
      return GrpcCode.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcCode.UNAVAILABLE;
    default:
      return GrpcCode.UNKNOWN;
  }
}
