import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hasMeshErrorCode } from "../errors.js";
import { extractField, extractFieldBytes } from "./extract.js";
import { spliceField } from "./splice.js";
import {
  encodeModel,
  type ModelField,
  readPath,
  readRawFields,
  spliceModel,
} from "./test-support/proto-model.js";

const text = (s: string) => new Uint8Array(Buffer.from(s, "utf8"));
const fillCache = new Map<string, Uint8Array>();
/** Deterministic filler bytes, cached so generators stay fast. */
const filled = (length: number, seed = 7): Uint8Array => {
  const key = `${length}/${seed}`;
  let bytes = fillCache.get(key);
  if (bytes === undefined) {
    bytes = Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);
    fillCache.set(key, bytes);
  }
  return bytes;
};
/** Byte equality without vitest's element-by-element deep diff (slow on large arrays). */
const same = (a: Uint8Array | undefined, b: Uint8Array | undefined) =>
  a === undefined || b === undefined ? a === b : Buffer.compare(a, b) === 0;
const str = (n: number, s: string): ModelField => ({ n, kind: "bytes", value: text(s) });
const msg = (n: number, ...value: ModelField[]): ModelField => ({ n, kind: "message", value });
const num = (n: number, value: bigint): ModelField => ({ n, kind: "varint", value });

describe("extractField()", () => {
  const body = encodeModel([
    num(3, 300n),
    { n: 4, kind: "fixed64", value: 9n },
    msg(2, { n: 5, kind: "fixed32", value: 1 }, str(1, "inner-id"), str(1, "second")),
    str(1, "top-id"),
  ]);
  const cases: { name: string; path: number[]; want: string | undefined }[] = [
    { name: "a top-level string after other wire types", path: [1], want: "top-id" },
    { name: "a nested string (first occurrence)", path: [2, 1], want: "inner-id" },
    { name: "an absent field", path: [7], want: undefined },
    { name: "an absent nested field", path: [2, 9], want: undefined },
    { name: "an absent container", path: [8, 1], want: undefined },
  ];
  for (const c of cases) {
    it(`reads ${c.name}`, () => {
      expect(extractField(body, c.path)).toBe(c.want);
    });
  }

  it("returns a view into the message, not a copy", () => {
    const view = extractFieldBytes(body, [1]);
    expect(view?.buffer).toBe(body.buffer);
  });

  it("decodes multi-byte UTF-8 like Node does", () => {
    const id = "modèle-模型-🚀";
    expect(extractField(encodeModel([str(1, id)]), [1])).toBe(id);
  });
});

describe("extractField() and spliceField() on bad input", () => {
  const cases: { name: string; body: Uint8Array; path: number[] }[] = [
    { name: "an empty path", body: new Uint8Array(), path: [] },
    { name: "field number 0 in the path", body: new Uint8Array(), path: [0] },
    { name: "a varint on the path", body: encodeModel([num(1, 5n)]), path: [1] },
    { name: "a varint where a container is expected", body: encodeModel([num(2, 5n)]), path: [2, 1] },
    { name: "a group before the field", body: Uint8Array.from([0x1b, 0x1c, 0x0a, 0x00]), path: [1] },
    { name: "a truncated length", body: Uint8Array.from([0x12, 0x05, 0x01]), path: [1] },
    { name: "a truncated varint", body: Uint8Array.from([0x08, 0xff]), path: [1] },
    { name: "wire type 7", body: Uint8Array.from([0x0f]), path: [1] },
  ];
  for (const c of cases) {
    it(`rejects ${c.name} with INVALID_ARGUMENT`, () => {
      const check = (f: () => unknown) => {
        try {
          f();
          expect.unreachable("expected a MeshError");
        } catch (e) {
          expect(hasMeshErrorCode(e, "INVALID_ARGUMENT")).toBe(true);
        }
      };
      check(() => extractField(c.body, c.path));
      check(() => spliceField(c.body, c.path, "x"));
    });
  }
});

describe("spliceField()", () => {
  const big = (n: number) => "x".repeat(n);
  const cases: { name: string; before: ModelField[]; path: number[]; value: string }[] = [
    { name: "same-size replacement", before: [num(3, 1n), str(1, "aaaa")], path: [1], value: "bbbb" },
    { name: "shorter value", before: [str(1, "a-long-id"), num(3, 1n)], path: [1], value: "id" },
    {
      name: "longer value across 127 bytes",
      before: [msg(2, str(1, "short"))],
      path: [2, 1],
      value: big(200),
    },
    {
      name: "container length crossing 16383 bytes",
      before: [msg(2, { n: 4, kind: "bytes", value: filled(16_370) }, str(1, "a")), num(5, 9n)],
      path: [2, 1],
      value: big(40),
    },
    {
      name: "container length shrinking below 128 bytes",
      before: [msg(1, msg(2, str(3, big(150))))],
      path: [1, 2, 3],
      value: "tiny",
    },
    { name: "absent top-level field (appended)", before: [num(3, 1n)], path: [1], value: "new" },
    { name: "absent nested field", before: [msg(2, num(3, 1n)), num(4, 2n)], path: [2, 1], value: "new" },
    {
      name: "absent containers (wrappers created)",
      before: [msg(1, num(9, 1n))],
      path: [1, 2, 3],
      value: "v",
    },
    { name: "empty message", before: [], path: [4, 1], value: big(300) },
    {
      name: "only the first occurrence",
      before: [msg(2, str(1, "first")), msg(2, str(1, "second"))],
      path: [2, 1],
      value: "changed",
    },
  ];
  for (const c of cases) {
    it(`handles ${c.name}`, () => {
      const input = encodeModel(c.before);
      const output = spliceField(input, c.path, c.value);
      expect(Buffer.from(output)).toEqual(
        Buffer.from(encodeModel(spliceModel(c.before, c.path, text(c.value)))),
      );
      expect(extractField(output, c.path)).toBe(c.value);
      expect(Buffer.from(readPath(output, c.path) ?? [])).toEqual(Buffer.from(c.value));
    });
  }

  it("returns the input itself when the field already holds the value", () => {
    const input = encodeModel([msg(2, str(1, "same")), num(3, 1n)]);
    expect(spliceField(input, [2, 1], "same")).toBe(input);
    expect(spliceField(input, [2, 1], text("same"))).toBe(input);
  });

  it("never modifies its input", () => {
    const input = encodeModel([msg(2, str(1, "before"))]);
    const copy = input.slice();
    spliceField(input, [2, 1], "after-and-longer");
    expect(input).toEqual(copy);
  });
});

/** Random messages with fields on `path` (messages, then a string) among noise fields. */
function messageOn(path: readonly number[], level: number): fc.Arbitrary<ModelField[]> {
  const pathNumber = path[level] as number;
  const noiseNumber = fc.integer({ min: 1, max: 9 }).filter((n) => n !== pathNumber);
  const lengths = fc.constantFrom(0, 1, 5, 127, 128, 300, 16_383, 16_384, 17_000);
  const noise: fc.Arbitrary<ModelField> = fc.oneof(
    fc.record({
      n: noiseNumber,
      kind: fc.constant("varint" as const),
      value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    }),
    fc.record({ n: noiseNumber, kind: fc.constant("fixed32" as const), value: fc.nat(0xffffffff) }),
    fc.record({
      n: noiseNumber,
      kind: fc.constant("fixed64" as const),
      value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    }),
    fc.record({
      n: noiseNumber,
      kind: fc.constant("bytes" as const),
      value: fc.tuple(lengths, fc.nat(255)).map(([len, seed]) => filled(len, seed)),
    }),
  );
  const onPath: fc.Arbitrary<ModelField> =
    level === path.length - 1
      ? fc.tuple(fc.constantFrom(0, 3, 130), fc.nat(255)).map(([len, seed]) => ({
          n: pathNumber,
          kind: "bytes" as const,
          value: filled(len, seed),
        }))
      : messageOn(path, level + 1).map((value) => ({ n: pathNumber, kind: "message" as const, value }));
  return fc
    .tuple(
      fc.array(noise, { maxLength: 4 }),
      fc.array(onPath, { maxLength: 2 }),
      fc.array(noise, { maxLength: 3 }),
    )
    .map(([a, b, c]) => [...a, ...b, ...c]);
}

const scenario = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }).chain((path) =>
  fc.record({
    path: fc.constant(path),
    fields: messageOn(path, 0),
    value: fc.constantFrom(0, 1, 100, 127, 128, 200, 16_383, 16_384, 20_000).map((len) => filled(len, 3)),
  }),
);

describe("spliceField() properties", () => {
  it("splice then extract returns the value, and the bytes equal an independent encoding", () => {
    fc.assert(
      fc.property(scenario, ({ path, fields, value }) => {
        const input = encodeModel(fields);
        const output = spliceField(input, path, value);
        expect(same(extractFieldBytes(output, path), value)).toBe(true);
        expect(same(readPath(output, path), value)).toBe(true);
        expect(same(output, encodeModel(spliceModel(fields, path, value)))).toBe(true);
        expect(() => readRawFields(output)).not.toThrow();
      }),
      { numRuns: 150 },
    );
  });

  it("splicing back what was extracted returns the same message object", () => {
    fc.assert(
      fc.property(scenario, ({ path, fields }) => {
        const input = encodeModel(fields);
        const current = extractFieldBytes(input, path);
        expect(same(current, readPath(input, path))).toBe(true);
        if (current !== undefined) expect(spliceField(input, path, current.slice())).toBe(input);
      }),
      { numRuns: 150 },
    );
  });
});
