import type { KvEntry } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { encodeRangeRequest, scanRangeResponse } from "../src/range-wire.js";

// Protobuf writing helpers (wire types 0, 1, 2, 5), to build etcd messages by hand.
function varint(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return out;
}
const tag = (field: number, wire: number) => varint(field * 8 + wire);
const intField = (field: number, value: number) => [...tag(field, 0), ...varint(value)];
const bytesField = (field: number, bytes: ArrayLike<number>) => [
  ...tag(field, 2),
  ...varint(bytes.length),
  ...Array.from(bytes),
];
const utf8 = (text: string) => Buffer.from(text, "utf8");

function keyValue(key: Buffer, value: string, create: number, mod: number): number[] {
  return [
    ...bytesField(1, key),
    ...intField(2, create),
    ...intField(3, mod),
    ...intField(4, 3), // version
    ...bytesField(5, utf8(value)),
    ...intField(6, 7587), // lease
  ];
}

function decodeAll(message: Buffer, keyOffset: number) {
  const page = scanRangeResponse(message, keyOffset);
  const entries: KvEntry[] = [];
  page.decodeEntries(entries);
  // The lazy view decodes the same entries, each time it is iterated.
  expect([...page.entries()]).toEqual(entries);
  expect([...page.entries()]).toEqual(entries);
  return { page, entries };
}

describe("etcd KV.Range wire format", () => {
  it("encodes the request fields the adapter sends: key, range end, limit and revision", () => {
    const first = encodeRangeRequest({ key: utf8("/a/"), rangeEnd: utf8("/a0"), limit: 300, revision: 0 });
    expect([...first]).toEqual([
      ...bytesField(1, utf8("/a/")),
      ...bytesField(2, utf8("/a0")),
      ...intField(3, 300),
    ]);
    const next = encodeRangeRequest({
      key: utf8("k"),
      rangeEnd: utf8("l"),
      limit: 5000,
      revision: 2 ** 40 + 5,
    });
    expect([...next]).toEqual([
      ...bytesField(1, utf8("k")),
      ...bytesField(2, utf8("l")),
      ...intField(3, 5000),
      ...intField(4, 2 ** 40 + 5),
    ]);
  });

  it("decodes entries as UTF-8 without the root prefix, with revisions beyond 32 bits, skipping unknown fields", () => {
    const root = "ns/";
    const header = [
      ...intField(1, 2 ** 50),
      ...intField(2, 99),
      ...intField(3, 2 ** 33 + 1),
      ...intField(4, 4),
    ];
    const message = Buffer.from([
      ...bytesField(1, header),
      ...bytesField(2, keyValue(utf8(`${root}/t/modèle-1`), '{"msg":"überall"}', 10, 2 ** 33)),
      ...[...tag(9, 1), 1, 2, 3, 4, 5, 6, 7, 8], // an unknown fixed64 field
      ...bytesField(2, keyValue(utf8(`${root}/t/m2`), "", 11, 12)),
      ...[...tag(10, 5), 1, 2, 3, 4], // an unknown fixed32 field
      ...intField(3, 1), // more
      ...intField(4, 12345), // count
    ]);
    const { page, entries } = decodeAll(message, Buffer.byteLength(root));
    expect(page.revision).toBe(2 ** 33 + 1);
    expect(page.more).toBe(true);
    expect(page.lastKey).toEqual(utf8(`${root}/t/m2`));
    expect(entries).toEqual([
      { key: "/t/modèle-1", value: '{"msg":"überall"}', modRevision: 2 ** 33, createRevision: 10 },
      { key: "/t/m2", value: "", modRevision: 12, createRevision: 11 },
    ]);
  });

  it("reads an empty page (defaults omitted) as no entries, no more keys", () => {
    const { page, entries } = decodeAll(Buffer.from(bytesField(1, intField(3, 7))), 0);
    expect(page).toMatchObject({ revision: 7, more: false, lastKey: undefined });
    expect(entries).toEqual([]);
  });

  it("rejects a truncated message", () => {
    const whole = [...bytesField(1, intField(3, 7)), ...bytesField(2, keyValue(utf8("/k"), "v", 1, 2))];
    expect(() => scanRangeResponse(Buffer.from(whole.slice(0, -3)), 0)).toThrow(/truncated/);
    expect(() => scanRangeResponse(Buffer.from([0x80]), 0)).toThrow(/truncated/);
  });
});
