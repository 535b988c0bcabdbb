import { describe, expect, it } from "vitest";
import { MessageLimitScanner } from "./message-limit.js";

function frame(length: number): Buffer {
  const out = Buffer.alloc(5 + length, 7);
  out[0] = 0;
  out.writeUInt32BE(length, 1);
  return out;
}

/** Splits bytes into chunks of `size`, so prefixes straddle chunk borders. */
function chunks(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

describe("MessageLimitScanner", () => {
  for (const chunkSize of [1, 3, 5, 7, 1000]) {
    it(`accepts messages up to the limit in chunks of ${chunkSize}`, () => {
      const scanner = new MessageLimitScanner(100);
      const stream = Buffer.concat([frame(100), frame(0), frame(42)]);
      expect(chunks(stream, chunkSize).every((c) => scanner.scan(c))).toBe(true);
    });

    it(`stops at the first message over the limit in chunks of ${chunkSize}`, () => {
      const scanner = new MessageLimitScanner(100);
      const stream = Buffer.concat([frame(10), frame(101)]);
      expect(chunks(stream, chunkSize).every((c) => scanner.scan(c))).toBe(false);
      expect(scanner.tooLongBytes).toBe(101);
    });
  }

  it("reads lengths above 2^24 correctly", () => {
    const scanner = new MessageLimitScanner(16 * 1024 * 1024);
    const prefix = Buffer.from([0, 0x01, 0x00, 0x00, 0x01]);
    expect(scanner.scan(prefix)).toBe(false);
    expect(scanner.tooLongBytes).toBe(16 * 1024 * 1024 + 1);
  });
});
