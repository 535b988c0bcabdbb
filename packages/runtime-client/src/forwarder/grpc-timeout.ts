const unitsMs = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000_001 } as const;

/**
 * Encodes a deadline as a `grpc-timeout` header value: whole milliseconds (at least 1) while
 * they fit the spec's 8 digits, else seconds, minutes or hours, rounded up.
 */
export function encodeGrpcTimeout(timeoutMs: number): string {
  const ms = Math.max(1, Math.ceil(timeoutMs));
  if (ms < 1e8) return `${ms}m`;
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 1e8) return `${seconds}S`;
  return `${Math.min(99_999_999, Math.ceil(seconds / 3600))}H`;
}

/**
 * Reads a `grpc-timeout` header value (`<digits><H|M|S|m|u|n>`, at most 8 digits) as
 * milliseconds; undefined when absent or malformed (the call then has no deadline).
 */
export function parseGrpcTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d{1,8})([HMSmun])$/.exec(value);
  if (match === null) return undefined;
  return Number(match[1]) * unitsMs[match[2] as keyof typeof unitsMs];
}
