import { MeshError } from "../errors.js";

/**
 * Low-level protobuf wire-format helpers for the field-path splicer (§2.9 of the behaviour
 * reference). Only what extraction and splicing need: varints, tags and skipping fields.
 * Every malformed input ends in a `MeshError("INVALID_ARGUMENT")`, never an out-of-range read.
 */

/** Wire type of length-delimited fields (strings, bytes, embedded messages). */
export const WIRE_LENGTH_DELIMITED = 2;

/** A read position that helpers advance (so they need not return pairs), and where the range ends. */
export interface WireCursor {
  pos: number;
  readonly end: number;
}

/** Largest field number protobuf allows (2^29 - 1). */
export const MAX_FIELD_NUMBER = 0x1fffffff;

function malformed(what: string): MeshError {
  return new MeshError("INVALID_ARGUMENT", `malformed protobuf message: ${what}`);
}

/**
 * Reads an unsigned varint of at most 32 significant bits (tags and lengths) before `end`.
 * Five bytes at most, as protobuf writes them.
 */
export function readVarint32(buf: Uint8Array, cursor: WireCursor): number {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 5; i++) {
    const pos = cursor.pos;
    if (pos >= cursor.end) throw malformed("truncated varint");
    const byte = buf[pos] as number;
    cursor.pos = pos + 1;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      if (value > 0xffffffff) throw malformed("varint exceeds 32 bits");
      return value;
    }
    scale *= 128;
  }
  throw malformed("varint longer than 5 bytes");
}

function skipVarint64(buf: Uint8Array, cursor: WireCursor): void {
  for (let i = 0; i < 10; i++) {
    if (cursor.pos >= cursor.end) throw malformed("truncated varint");
    if ((buf[cursor.pos++] as number) < 0x80) return;
  }
  throw malformed("varint longer than 10 bytes");
}

function skipBytes(cursor: WireCursor, count: number): void {
  if (cursor.pos + count > cursor.end) throw malformed("field runs past the end of its message");
  cursor.pos += count;
}

/**
 * Skips the value of a field of `wireType` (the tag was already read). Groups (wire types 3
 * and 4) are not supported, as in the original; wire types 6 and 7 do not exist.
 */
export function skipField(buf: Uint8Array, cursor: WireCursor, wireType: number): void {
  switch (wireType) {
    case 0:
      skipVarint64(buf, cursor);
      return;
    case 1:
      skipBytes(cursor, 8);
      return;
    case 2:
      skipBytes(cursor, readVarint32(buf, cursor));
      return;
    case 5:
      skipBytes(cursor, 4);
      return;
    case 3:
    case 4:
      throw new MeshError("INVALID_ARGUMENT", "protobuf groups are not supported in an id field path");
    default:
      throw malformed(`invalid wire type ${wireType}`);
  }
}

/**
 * Finds the first field numbered `fieldNumber` in `[range.pos, range.end)` and returns the
 * offset of its length prefix, or -1 when absent. The field must be length-delimited: any
 * other wire type at a path position is an error (§2.9).
 */
export function findLengthDelimited(buf: Uint8Array, fieldNumber: number, range: WireCursor): number {
  const cursor: WireCursor = { pos: range.pos, end: range.end };
  while (cursor.pos < cursor.end) {
    const tag = readVarint32(buf, cursor);
    const wireType = tag & 7;
    const number = (tag - wireType) / 8;
    if (number === 0) throw malformed("field number 0");
    if (number !== fieldNumber) {
      skipField(buf, cursor, wireType);
      continue;
    }
    if (wireType !== WIRE_LENGTH_DELIMITED) {
      throw new MeshError(
        "INVALID_ARGUMENT",
        `protobuf field ${fieldNumber} on the id path is not a string or message (wire type ${wireType})`,
      );
    }
    return cursor.pos;
  }
  return -1;
}

/** Bytes a varint encoding of `value` (0 ≤ value < 2^32) takes. */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/** Writes `value` as a varint at `offset`; returns the offset after it. */
export function writeVarint(out: Uint8Array, offset: number, value: number): number {
  let pos = offset;
  let rest = value;
  while (rest >= 0x80) {
    out[pos++] = (rest % 128) | 0x80;
    rest = Math.floor(rest / 128);
  }
  out[pos++] = rest;
  return pos;
}

/** Tag of a length-delimited field numbered `fieldNumber`. */
export function lengthDelimitedTag(fieldNumber: number): number {
  return fieldNumber * 8 + WIRE_LENGTH_DELIMITED;
}

/** Checks a field path: non-empty, every entry a valid protobuf field number. */
export function validateFieldPath(path: readonly number[]): void {
  if (path.length === 0) throw new MeshError("INVALID_ARGUMENT", "a protobuf field path must not be empty");
  for (const n of path) {
    if (!Number.isInteger(n) || n < 1 || n > MAX_FIELD_NUMBER) {
      throw new MeshError("INVALID_ARGUMENT", `invalid protobuf field number in path: ${n}`);
    }
  }
}
