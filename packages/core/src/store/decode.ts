import { hasMeshErrorCode, MeshError } from "../errors.js";
import type { RecordCodec } from "../records/codec.js";
import type { KvEntry } from "./kv-store.js";
import type { Versioned } from "./versioned.js";

/**
 * Decodes a stored entry into a {@link Versioned} record. Anything the codec throws becomes a
 * `MeshError` with code `INVALID_DATA` naming the key. @internal
 */
export function decodeVersioned<T>(codec: RecordCodec<T>, entry: KvEntry): Versioned<T> {
  let value: T;
  try {
    value = codec.decode(entry.value, entry.key);
  } catch (error) {
    if (hasMeshErrorCode(error, "INVALID_DATA")) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new MeshError("INVALID_DATA", `cannot decode ${entry.key}: ${reason}`, {
      key: entry.key,
      cause: error,
    });
  }
  return { value, revision: entry.modRevision, createRevision: entry.createRevision };
}
