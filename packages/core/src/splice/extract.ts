import { MeshError } from "../errors.js";
import { decodeUtf8 } from "./utf8.js";
import { findLengthDelimited, readVarint32, validateFieldPath } from "./wire.js";

/**
 * Returns the bytes of the first length-delimited field at `path` (field numbers, outermost
 * first; every element but the last names an embedded message) as a view into `message`
 * (no copy), or `undefined` when any level is absent (§2.9).
 *
 * @throws MeshError `INVALID_ARGUMENT` for an empty or invalid path, a field on the path with
 *   another wire type, groups, or a malformed message.
 */
export function extractFieldBytes(message: Uint8Array, path: readonly number[]): Uint8Array | undefined {
  validateFieldPath(path);
  let start = 0;
  let end = message.length;
  for (let level = 0; level < path.length; level++) {
    const lengthOffset = findLengthDelimited(message, path[level] as number, { pos: start, end });
    if (lengthOffset < 0) return undefined;
    const cursor = { pos: lengthOffset, end };
    const length = readVarint32(message, cursor);
    if (cursor.pos + length > end) {
      throw new MeshError("INVALID_ARGUMENT", "malformed protobuf message: field runs past the end");
    }
    start = cursor.pos;
    end = start + length;
  }
  return message.subarray(start, end);
}

/**
 * Reads the string at `path` (see {@link extractFieldBytes}), decoding UTF-8; `undefined` when
 * absent. This is how a model id is taken from a request body (`idExtractionPath`, §2.1).
 */
export function extractField(message: Uint8Array, path: readonly number[]): string | undefined {
  const bytes = extractFieldBytes(message, path);
  return bytes === undefined ? undefined : decodeUtf8(bytes);
}
