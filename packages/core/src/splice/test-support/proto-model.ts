/**
 * An independent protobuf encoder and reader for the splice tests: a tiny message model,
 * written separately from the splicer so the tests do not check the code against itself.
 */

/** One field of a test message. */
export type ModelField =
  | { readonly n: number; readonly kind: "varint"; readonly value: bigint }
  | { readonly n: number; readonly kind: "fixed32"; readonly value: number }
  | { readonly n: number; readonly kind: "fixed64"; readonly value: bigint }
  | { readonly n: number; readonly kind: "bytes"; readonly value: Uint8Array }
  | { readonly n: number; readonly kind: "message"; readonly value: readonly ModelField[] };

function varint(value: bigint): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    let byte = Number(rest & 0x7fn);
    rest >>= 7n;
    if (rest > 0n) byte |= 0x80;
    out.push(byte);
  } while (rest > 0n);
  return out;
}

const wireTypes = { varint: 0, fixed64: 1, bytes: 2, message: 2, fixed32: 5 } as const;

/** Encodes a model message the way any protobuf library would. */
export function encodeModel(fields: readonly ModelField[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const f of fields) {
    chunks.push(Uint8Array.from(varint(BigInt(f.n * 8 + wireTypes[f.kind]))));
    switch (f.kind) {
      case "varint":
        chunks.push(Uint8Array.from(varint(f.value)));
        break;
      case "fixed32": {
        const b = new Uint8Array(4);
        new DataView(b.buffer).setUint32(0, f.value, true);
        chunks.push(b);
        break;
      }
      case "fixed64": {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setBigUint64(0, f.value, true);
        chunks.push(b);
        break;
      }
      case "bytes":
        chunks.push(Uint8Array.from(varint(BigInt(f.value.length))), f.value);
        break;
      case "message": {
        const inner = encodeModel(f.value);
        chunks.push(Uint8Array.from(varint(BigInt(inner.length))), inner);
        break;
      }
    }
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** A decoded field: numbers as they are, length-delimited content as raw bytes. */
export interface RawField {
  readonly n: number;
  readonly wireType: number;
  readonly bytes?: Uint8Array;
}

/** Decodes one level of a message strictly; throws on anything malformed. */
export function readRawFields(buf: Uint8Array): RawField[] {
  const fields: RawField[] = [];
  let pos = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (pos >= buf.length) throw new Error("truncated");
      const b = buf[pos++] as number;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result;
    }
  };
  while (pos < buf.length) {
    const tag = Number(readVarint());
    const wireType = tag & 7;
    const n = tag >>> 3;
    if (wireType === 0) readVarint();
    else if (wireType === 1) pos += 8;
    else if (wireType === 5) pos += 4;
    else if (wireType === 2) {
      const len = Number(readVarint());
      if (pos + len > buf.length) throw new Error("overrun");
      fields.push({ n, wireType, bytes: buf.subarray(pos, pos + len) });
      pos += len;
      continue;
    } else throw new Error(`wire type ${wireType}`);
    if (pos > buf.length) throw new Error("overrun");
    fields.push({ n, wireType });
  }
  return fields;
}

/** Follows `path` by first occurrence with {@link readRawFields}; undefined when absent. */
export function readPath(buf: Uint8Array, path: readonly number[]): Uint8Array | undefined {
  let current: Uint8Array = buf;
  for (const n of path) {
    const field = readRawFields(current).find((f) => f.n === n);
    if (field?.bytes === undefined) return undefined;
    current = field.bytes;
  }
  return current;
}

/**
 * What splicing `value` at `path` must produce, on the model: the first matching field
 * replaced, or the missing field (with wrappers) appended to the innermost existing container.
 */
export function spliceModel(
  fields: readonly ModelField[],
  path: readonly number[],
  value: Uint8Array,
): ModelField[] {
  const [n, ...rest] = path as [number, ...number[]];
  const index = fields.findIndex((f) => f.n === n);
  const copy = [...fields];
  if (index < 0) {
    copy.push(wrap(path, value));
    return copy;
  }
  const field = fields[index] as ModelField;
  if (rest.length === 0) {
    copy[index] = { n, kind: "bytes", value };
  } else if (field.kind === "message") {
    copy[index] = { n, kind: "message", value: spliceModel(field.value, rest, value) };
  } else {
    throw new Error("test generator put a non-message on the path");
  }
  return copy;
}

function wrap(path: readonly number[], value: Uint8Array): ModelField {
  const [n, ...rest] = path as [number, ...number[]];
  return rest.length === 0 ? { n, kind: "bytes", value } : { n, kind: "message", value: [wrap(rest, value)] };
}
