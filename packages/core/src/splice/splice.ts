import { MeshError } from "../errors.js";
import { encodeUtf8 } from "./utf8.js";
import {
  findLengthDelimited,
  lengthDelimitedTag,
  readVarint32,
  validateFieldPath,
  varintSize,
  writeVarint,
} from "./wire.js";

/** An embedded message on the path that the splice descends into. */
interface Container {
  /** Offset of its length prefix. */
  readonly lengthOffset: number;
  /** Offset where its content starts (after the length prefix). */
  readonly contentStart: number;
  readonly contentLength: number;
}

/** Where new bytes go: `[replaceStart, replaceEnd)` of the input is replaced. */
interface SplicePlan {
  readonly containers: readonly Container[];
  readonly replaceStart: number;
  readonly replaceEnd: number;
  /** Path levels still missing (their wrappers are created), from this index on. */
  readonly missingFrom: number;
}

function readContainer(message: Uint8Array, cursor: { pos: number; readonly end: number }): Container {
  const lengthOffset = cursor.pos;
  const contentLength = readVarint32(message, cursor);
  if (cursor.pos + contentLength > cursor.end) {
    throw new MeshError("INVALID_ARGUMENT", "malformed protobuf message: field runs past the end");
  }
  return { lengthOffset, contentStart: cursor.pos, contentLength };
}

/** Walks the path; returns the plan, or `undefined` when the field already holds `value`. */
function planSplice(message: Uint8Array, path: readonly number[], value: Uint8Array): SplicePlan | undefined {
  const containers: Container[] = [];
  let start = 0;
  let end = message.length;
  for (let level = 0; level < path.length; level++) {
    const lengthOffset = findLengthDelimited(message, path[level] as number, { pos: start, end });
    if (lengthOffset < 0) {
      // Absent: append at the end of the innermost existing container (§2.9).
      return { containers, replaceStart: end, replaceEnd: end, missingFrom: level };
    }
    const field = readContainer(message, { pos: lengthOffset, end });
    const fieldEnd = field.contentStart + field.contentLength;
    if (level === path.length - 1) {
      if (sameBytes(message, field.contentStart, fieldEnd, value)) return undefined;
      return { containers, replaceStart: lengthOffset, replaceEnd: fieldEnd, missingFrom: path.length };
    }
    containers.push(field);
    start = field.contentStart;
    end = fieldEnd;
  }
  throw new MeshError("INTERNAL", "unreachable: splice path walk ended without a decision");
}

function sameBytes(message: Uint8Array, start: number, end: number, value: Uint8Array): boolean {
  if (end - start !== value.length) return false;
  for (let i = 0; i < value.length; i++) {
    if (message[start + i] !== value[i]) return false;
  }
  return true;
}

/** Layout of the bytes that replace `[replaceStart, replaceEnd)`. */
interface Replacement {
  readonly size: number;
  /** Content length of each missing wrapper, by path level. */
  readonly wrapperLengths: readonly number[];
}

/**
 * Sizes the replacement: the length-prefixed value, preceded by the tags and lengths of every
 * missing wrapper and the target's own tag when the field is new.
 */
function layoutReplacement(path: readonly number[], missingFrom: number, valueLength: number): Replacement {
  const last = path.length - 1;
  const wrapperLengths: number[] = [];
  let size = varintSize(valueLength) + valueLength;
  if (missingFrom <= last) size += varintSize(lengthDelimitedTag(path[last] as number));
  for (let level = last - 1; level >= missingFrom; level--) {
    wrapperLengths[level] = size;
    size += varintSize(lengthDelimitedTag(path[level] as number)) + varintSize(size);
  }
  return { size, wrapperLengths };
}

interface WriteReplacement {
  readonly path: readonly number[];
  readonly missingFrom: number;
  readonly layout: Replacement;
  readonly value: Uint8Array;
}

function writeReplacement(out: Uint8Array, offset: number, r: WriteReplacement): number {
  const last = r.path.length - 1;
  let pos = offset;
  for (let level = r.missingFrom; level < last; level++) {
    pos = writeVarint(out, pos, lengthDelimitedTag(r.path[level] as number));
    pos = writeVarint(out, pos, r.layout.wrapperLengths[level] as number);
  }
  if (r.missingFrom <= last) pos = writeVarint(out, pos, lengthDelimitedTag(r.path[last] as number));
  pos = writeVarint(out, pos, r.value.length);
  out.set(r.value, pos);
  return pos + r.value.length;
}

/**
 * Sets the length-delimited field at `path` (field numbers, outermost first) to `value` and
 * returns the new message (§2.9). The first matching field is replaced; when it is absent it
 * is appended at the end of the innermost existing container, creating missing wrapper
 * messages. Every enclosing length prefix is rewritten, including when its varint changes
 * size. When the field already holds `value`, the input itself is returned; otherwise the body
 * is copied exactly once into the result.
 *
 * @throws MeshError `INVALID_ARGUMENT` for an empty or invalid path, a field on the path with
 *   another wire type, groups, or a malformed message.
 */
export function spliceField(
  message: Uint8Array,
  path: readonly number[],
  value: Uint8Array | string,
): Uint8Array {
  validateFieldPath(path);
  const bytes = typeof value === "string" ? encodeUtf8(value) : value;
  const plan = planSplice(message, path, bytes);
  if (plan === undefined) return message;
  const layout = layoutReplacement(path, plan.missingFrom, bytes.length);
  return assemble(message, plan, { path, missingFrom: plan.missingFrom, layout, value: bytes });
}

function assemble(message: Uint8Array, plan: SplicePlan, replacement: WriteReplacement): Uint8Array {
  const { containers } = plan;
  // Innermost first: each enclosing length grows by the change inside it, including the
  // change of every inner length prefix's own size.
  const newLengths: number[] = new Array(containers.length);
  let delta = replacement.layout.size - (plan.replaceEnd - plan.replaceStart);
  for (let i = containers.length - 1; i >= 0; i--) {
    const c = containers[i] as Container;
    const newLength = c.contentLength + delta;
    newLengths[i] = newLength;
    delta += varintSize(newLength) - (c.contentStart - c.lengthOffset);
  }
  const out = new Uint8Array(message.length + delta);
  let from = 0;
  let to = 0;
  for (let i = 0; i < containers.length; i++) {
    const c = containers[i] as Container;
    out.set(message.subarray(from, c.lengthOffset), to);
    to = writeVarint(out, to + (c.lengthOffset - from), newLengths[i] as number);
    from = c.contentStart;
  }
  out.set(message.subarray(from, plan.replaceStart), to);
  to += plan.replaceStart - from;
  to = writeReplacement(out, to, replacement);
  out.set(message.subarray(plan.replaceEnd), to);
  return out;
}
