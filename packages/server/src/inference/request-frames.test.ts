import { describe, expect, it } from "vitest";
import { RequestFrameScanner } from "./request-frames.js";

function framed(length: number): Buffer {
  const buf = Buffer.alloc(5 + length, 7);
  buf[0] = 0;
  buf.writeUInt32BE(length, 1);
  return buf;
}

describe("RequestFrameScanner", () => {
  it("counts messages split across chunks at any byte", () => {
    const body = Buffer.concat([framed(10), framed(3)]);
    for (let cut = 0; cut <= body.length; cut++) {
      const scanner = new RequestFrameScanner(100);
      scanner.scan(body.subarray(0, cut));
      scanner.scan(body.subarray(cut));
      expect(scanner.messages).toBe(2);
      expect(scanner.partial).toBe(false);
    }
  });

  it("reports an over-size message as soon as its prefix is complete", () => {
    const scanner = new RequestFrameScanner(8);
    expect(scanner.scan(framed(9).subarray(0, 5))).toEqual({ kind: "too-large", lengthBytes: 9 });
  });

  it("notices a body that ends inside a message", () => {
    const scanner = new RequestFrameScanner(100);
    scanner.scan(framed(10).subarray(0, 8));
    expect(scanner.partial).toBe(true);
  });
});
