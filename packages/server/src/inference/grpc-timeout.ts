const unitMs: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/**
 * Parses a `grpc-timeout` header (`<1–8 digits><H|M|S|m|u|n>`) into milliseconds; undefined
 * when absent or malformed (gRPC says to treat a malformed timeout as none).
 */
export function parseGrpcTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d{1,8})([HMSmun])$/.exec(value);
  if (!match) return undefined;
  return Number(match[1]) * (unitMs[match[2] ?? "S"] ?? 1000);
}

/** Formats milliseconds as a `grpc-timeout` header value (rounded up, at least 1 ms). */
export function formatGrpcTimeout(ms: number): string {
  const whole = Math.max(1, Math.ceil(ms));
  return whole < 1e8 ? `${whole}m` : `${Math.ceil(whole / 1000)}S`;
}
