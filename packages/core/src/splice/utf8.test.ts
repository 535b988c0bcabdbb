import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeUtf8, encodeUtf8 } from "./utf8.js";

/** Any UTF-16 string, including lone and paired surrogates and astral characters. */
const utf16Strings = fc
  .array(fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0xd800, max: 0xdfff })), {
    maxLength: 40,
  })
  .map((units) => String.fromCharCode(...units));

describe("encodeUtf8()", () => {
  it("encodes like Node for any string, lone surrogates as U+FFFD", () => {
    fc.assert(
      fc.property(utf16Strings, (s) => Buffer.compare(encodeUtf8(s), Buffer.from(s, "utf8")) === 0),
      { numRuns: 300 },
    );
  });
});

describe("decodeUtf8()", () => {
  const decoder = new TextDecoder("utf-8");
  const cases: { name: string; bytes: number[] }[] = [
    { name: "overlong encoding", bytes: [0xc0, 0xaf, 0x41] },
    { name: "surrogate code point", bytes: [0xed, 0xa0, 0x80] },
    { name: "truncated 4-byte sequence", bytes: [0xf0, 0x9f, 0x98] },
    { name: "stray continuation bytes", bytes: [0x80, 0xbf, 0x41] },
    { name: "code point above U+10FFFF", bytes: [0xf4, 0x90, 0x80, 0x80] },
  ];
  for (const c of cases) {
    it(`replaces a ${c.name} the way the WHATWG decoder does`, () => {
      const bytes = Uint8Array.from(c.bytes);
      expect(decodeUtf8(bytes)).toBe(decoder.decode(bytes));
    });
  }

  it("matches TextDecoder on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => decodeUtf8(bytes) === decoder.decode(bytes)),
      { numRuns: 500 },
    );
  });

  it("decodes a sub-range", () => {
    expect(decodeUtf8(Uint8Array.from([0x41, 0x42, 0x43, 0x44]), 1, 3)).toBe("BC");
  });
});
