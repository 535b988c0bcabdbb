import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { requireOneMessage } from "./request-envelopes.js";

function framed(flags: number, body: number[]): number[] {
  return [flags, 0, 0, 0, body.length, ...body];
}

async function collect(chunks: number[][]): Promise<{ bytes: number[]; error?: ConnectError }> {
  async function* source() {
    for (const chunk of chunks) yield new Uint8Array(chunk);
  }
  const bytes: number[] = [];
  try {
    for await (const chunk of requireOneMessage(source(), "getModelStatus")) bytes.push(...chunk);
    return { bytes };
  } catch (error) {
    return { bytes, error: ConnectError.from(error) };
  }
}

describe("requireOneMessage()", () => {
  it("passes one message through unchanged, however the chunks split it", async () => {
    const whole = framed(0, [0x0a, 0x01, 0x61]);
    for (let cut = 0; cut <= whole.length; cut++) {
      const result = await collect([whole.slice(0, cut), whole.slice(cut)]);
      expect(result).toEqual({ bytes: whole });
    }
  });

  it.each([
    ["an empty body", [], /no message/],
    ["a trailers frame", framed(0x80, []), /trailers frame/],
    ["two messages", [...framed(0, [1]), ...framed(0, [2])], /more than one message/],
  ])("rejects %s with INVALID_ARGUMENT", async (_what, body, message) => {
    const { error } = await collect([body]);
    expect(error?.code).toBe(Code.InvalidArgument);
    expect(error?.rawMessage).toMatch(message);
    expect(error?.rawMessage).toContain("getModelStatus");
  });

  it("leaves an incomplete frame to Connect (which answers INVALID_ARGUMENT itself)", async () => {
    expect(await collect([[0, 0, 0]])).toEqual({ bytes: [0, 0, 0] });
    expect(await collect([[0, 0, 0, 0, 9, 1]])).toEqual({ bytes: [0, 0, 0, 0, 9, 1] });
  });
});
