import type { IdGenerator } from "@opentelemetry/sdk-trace-base";

// Two hex digits per byte value, so an id is built by string concatenation alone.
const HEX_BYTES = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function randomHex(bytes: number): string {
  let out = "";
  for (let i = 0; i < bytes; i += 4) {
    const n = (Math.random() * 2 ** 32) >>> 0;
    out += `${HEX_BYTES[n >>> 24]}${HEX_BYTES[(n >>> 16) & 255]}${HEX_BYTES[(n >>> 8) & 255]}${HEX_BYTES[n & 255]}`;
  }
  // An all-zero id is invalid in W3C trace context.
  return /[^0]/.test(out) ? out : `${out.slice(0, -1)}1`;
}

/**
 * Trace and span ids from `Math.random`, as the SDK's own generator, but without its
 * `Buffer.toString("hex")` call, which was the largest cost of an unsampled call on the hit path
 * (ids are made before the sampler decides).
 */
export function createIdGenerator(): IdGenerator {
  return {
    generateTraceId: () => randomHex(16),
    generateSpanId: () => randomHex(8),
  };
}
