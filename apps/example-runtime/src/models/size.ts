// Memory estimates for loaded models. V8 does not expose the size of one object graph, so each
// model adds up its data structures with these documented per-item costs (64-bit V8, pointer
// compression off): a model's reported size tracks what it really holds, within a small factor.

/** Header of a JS object or typed array, bytes. */
export const OBJECT_BYTES = 64;

/** One Map entry (hash table slot, key and value pointers), bytes. */
export const MAP_ENTRY_BYTES = 48;

/** A string of `length` UTF-16 code units (sequential two-byte string upper bound). */
export function stringBytes(text: string): number {
  return 24 + 2 * text.length;
}

/** A Float64Array with its header. */
export function float64ArrayBytes(values: Float64Array): number {
  return OBJECT_BYTES + values.byteLength;
}

/** An array of strings with the strings themselves. */
export function stringArrayBytes(texts: readonly string[]): number {
  return OBJECT_BYTES + 8 * texts.length + texts.reduce((sum, t) => sum + stringBytes(t), 0);
}
