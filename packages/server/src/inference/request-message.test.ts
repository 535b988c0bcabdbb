import { deflateSync, gzipSync } from "node:zlib";
import { extractField, type MeshError } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { injectModelId } from "./id-injection.js";
import { plainMessage } from "./request-message.js";

/** A message with field 1 (string) = `id` and field 2 (string) = "text". */
function message(id: string): Buffer {
  const text = Buffer.from("text");
  const idBytes = Buffer.from(id);
  return Buffer.concat([
    Buffer.from([0x0a, idBytes.length]),
    idBytes,
    Buffer.from([0x12, text.length]),
    text,
  ]);
}

function framed(body: Uint8Array, flag: 0 | 1): Buffer {
  const prefix = Buffer.alloc(5);
  prefix[0] = flag;
  prefix.writeUInt32BE(body.length, 1);
  return Buffer.concat([prefix, body]);
}

const compress = { gzip: gzipSync, deflate: deflateSync } as const;

describe("plainMessage()", () => {
  it("returns an uncompressed frame's message as it is", () => {
    const frame = framed(message("m1"), 0);
    expect(Buffer.from(plainMessage(frame, undefined, 1024) ?? [])).toEqual(message("m1"));
  });

  it.each(["gzip", "deflate", "GZIP"] as const)("inflates a %s-compressed message", (encoding) => {
    const frame = framed(compress[encoding.toLowerCase() as "gzip" | "deflate"](message("m2")), 1);
    const plain = plainMessage(frame, encoding, 1024);
    expect(plain && extractField(plain, [1])).toBe("m2");
  });

  it("passes on messages compressed another way, or without a named encoding, or cut short", () => {
    const frame = framed(Buffer.from("snappy bytes"), 1);
    expect(plainMessage(frame, "snappy", 1024)).toBeUndefined();
    expect(plainMessage(frame, undefined, 1024)).toBeUndefined();
    expect(plainMessage(Buffer.from([0, 0, 0]), undefined, 1024)).toBeUndefined();
  });

  it("refuses a message that inflates past the limit (RESOURCE_EXHAUSTED) or not at all (INTERNAL)", () => {
    const bomb = framed(gzipSync(Buffer.alloc(4096)), 1);
    expect(() => plainMessage(bomb, "gzip", 4095)).toThrow(
      expect.objectContaining({ code: "CAPACITY_EXHAUSTED" }) as unknown as MeshError,
    );
    expect(plainMessage(bomb, "gzip", 4096)?.length).toBe(4096);
    const broken = framed(Buffer.from("not deflate"), 1);
    expect(() => plainMessage(broken, "deflate", 4096)).toThrow(
      expect.objectContaining({ code: "INTERNAL" }) as unknown as MeshError,
    );
  });
});

describe("injectModelId() with compressed messages", () => {
  const encoding = (name: string | undefined) => ({ encoding: name, maxMessageBytes: 1 << 20 });

  it.each(["gzip", "deflate"] as const)(
    "writes the id into a %s message and sends it uncompressed",
    (name) => {
      const frame = framed(compress[name](message("old")), 1);
      const out = Buffer.concat(injectModelId([frame], [1], "new-id", encoding(name)));
      expect(out[0]).toBe(0);
      expect(out.readUInt32BE(1)).toBe(out.length - 5);
      expect(extractField(out.subarray(5), [1])).toBe("new-id");
      expect(extractField(out.subarray(5), [2])).toBe("text");
    },
  );

  it("keeps a compressed frame as it is when the id is already there", () => {
    const frame = framed(compress.gzip(message("same")), 1);
    const out = injectModelId([frame], [1], "same", encoding("gzip"));
    expect(out).toEqual([frame]);
  });

  it("keeps a frame compressed another way as it is", () => {
    const frame = framed(Buffer.from("zstd bytes"), 1);
    expect(injectModelId([frame], [1], "x", encoding("zstd"))).toEqual([frame]);
  });
});
