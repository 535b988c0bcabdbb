import type { Code } from "@connectrpc/connect";

/** gRPC status code names (as in the gRPC spec) by number. */
const codeNames = [
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

/**
 * Parses a gRPC status code given by name (`UNAVAILABLE`, case-insensitive) or number (`14`), as
 * used by the `test:error:code=<CODE>` command. Returns undefined for anything else, and for OK
 * (an error needs a non-OK code).
 */
export function parseGrpcCode(text: string): Code | undefined {
  const trimmed = text.trim();
  const byNumber = /^\d+$/.test(trimmed)
    ? Number(trimmed)
    : codeNames.indexOf(trimmed.toUpperCase() as never);
  return byNumber >= 1 && byNumber < codeNames.length ? (byNumber as Code) : undefined;
}
