import { spliceField } from "@modelmesh/core";

/**
 * Writes the concrete model id into the request message at the runtime's `idInjectionPath`
 * (§2.6.3), re-framing the single length-prefixed message. Compressed messages are passed on
 * unchanged (their bytes cannot be spliced).
 */
export function injectModelId(frames: readonly Buffer[], path: readonly number[], modelId: string): Buffer[] {
  const body = frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames);
  if (body.length < 5 || body[0] !== 0) return [body];
  const message = body.subarray(5, 5 + body.readUInt32BE(1));
  const spliced = spliceField(message, path, modelId);
  if (spliced === message) return [body];
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(spliced.length, 1);
  return [prefix, Buffer.from(spliced.buffer, spliced.byteOffset, spliced.byteLength)];
}
