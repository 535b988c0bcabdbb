/**
 * A small protobuf wire-format reader that knows nothing of protobuf-es: it splits bytes into
 * tagged fields and decodes them by the hand-written facts in `wire-facts.ts`. Used to prove
 * that what the generated code encodes is what a peer built from the original protos reads.
 */
import type { FileFacts, MessageFact } from "./wire-facts.js";

/** One raw field on the wire. */
export interface WireField {
  readonly number: number;
  readonly wireType: number;
  readonly value: bigint | Uint8Array;
}

function readVarint(bytes: Uint8Array, start: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  let pos = start;
  for (;;) {
    const byte = bytes[pos];
    if (byte === undefined) throw new Error(`truncated varint at ${start}`);
    pos++;
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [result, pos];
    shift += 7n;
  }
}

/** Splits a message's bytes into its fields, in wire order. */
export function readWireFields(bytes: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const [tag, afterTag] = readVarint(bytes, pos);
    const number = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    pos = afterTag;
    if (wireType === 0) {
      const [value, next] = readVarint(bytes, pos);
      fields.push({ number, wireType, value });
      pos = next;
    } else if (wireType === 2) {
      const [len, next] = readVarint(bytes, pos);
      const end = next + Number(len);
      fields.push({ number, wireType, value: bytes.subarray(next, end) });
      pos = end;
    } else if (wireType === 5 || wireType === 1) {
      const size = wireType === 5 ? 4 : 8;
      fields.push({ number, wireType, value: bytes.subarray(pos, pos + size) });
      pos += size;
    } else {
      throw new Error(`unsupported wire type ${wireType} for field ${number}`);
    }
  }
  return fields;
}

function decodeScalar(type: string, field: WireField, facts: readonly FileFacts[]): unknown {
  if (type.startsWith(".")) return decodeWithFacts(field.value as Uint8Array, type.slice(1), facts);
  if (type.startsWith("enum ")) return Number(field.value);
  switch (type) {
    case "string":
      return new TextDecoder().decode(field.value as Uint8Array);
    case "bool":
      return field.value !== 0n;
    case "uint64":
      return field.value as bigint;
    case "uint32":
      return Number(field.value);
    default:
      throw new Error(`no decoder for ${type}`);
  }
}

function findMessage(name: string, facts: readonly FileFacts[]): MessageFact {
  for (const file of facts) {
    const found = file.messages.find((m) => m.name === name);
    if (found) return found;
  }
  throw new Error(`no facts for message ${name}`);
}

function decodeRepeated(type: string, field: WireField, facts: readonly FileFacts[]): unknown[] {
  const packable = type === "uint32" || type === "uint64" || type === "bool" || type.startsWith("enum ");
  if (!packable || field.wireType !== 2) return [decodeScalar(type, field, facts)];
  const out: unknown[] = [];
  const bytes = field.value as Uint8Array;
  let pos = 0;
  while (pos < bytes.length) {
    const [value, next] = readVarint(bytes, pos);
    out.push(decodeScalar(type, { number: field.number, wireType: 0, value }, facts));
    pos = next;
  }
  return out;
}

function decodeMapEntry(type: string, field: WireField, facts: readonly FileFacts[]): [string, unknown] {
  const [keyType, valueType] = type.slice(4, -1).split(", ") as [string, string];
  let key: unknown = "";
  let value: unknown;
  for (const inner of readWireFields(field.value as Uint8Array)) {
    if (inner.number === 1) key = decodeScalar(keyType, inner, facts);
    if (inner.number === 2) value = decodeScalar(valueType, inner, facts);
  }
  return [String(key), value];
}

/**
 * Decodes `bytes` as the message `name` using only the facts tables. Repeated fields become
 * arrays, maps plain objects, unknown field numbers an error (they would mean drift).
 */
export function decodeWithFacts(
  bytes: Uint8Array,
  name: string,
  facts: readonly FileFacts[],
): Record<string, unknown> {
  const message = findMessage(name, facts);
  const out: Record<string, unknown> = {};
  for (const field of readWireFields(bytes)) {
    const fact = message.fields.find(([number]) => number === field.number);
    if (!fact) throw new Error(`${name}: unexpected field number ${field.number}`);
    const [, fieldName, type] = fact;
    if (type.startsWith("repeated ")) {
      const list = (out[fieldName] as unknown[] | undefined) ?? [];
      list.push(...decodeRepeated(type.slice(9), field, facts));
      out[fieldName] = list;
    } else if (type.startsWith("map<")) {
      const map = (out[fieldName] as Record<string, unknown> | undefined) ?? {};
      const [key, value] = decodeMapEntry(type, field, facts);
      map[key] = value;
      out[fieldName] = map;
    } else {
      out[fieldName] = decodeScalar(type, field, facts);
    }
  }
  return out;
}
