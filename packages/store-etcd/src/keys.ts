/**
 * Key encoding between the port (logical string keys) and etcd (bytes under the root prefix).
 * The root prefix is prepended as raw bytes, as etcd-java's namespace does (§1.1).
 */
export class KeyCodec {
  readonly #root: Buffer;

  constructor(rootPrefix: string) {
    this.#root = Buffer.from(rootPrefix, "utf8");
  }

  /** Bytes of the root prefix at the start of every etcd key. */
  get rootLength(): number {
    return this.#root.length;
  }

  /** The etcd key of a logical key. */
  encode(key: string): Buffer {
    return this.#root.length === 0
      ? Buffer.from(key, "utf8")
      : Buffer.concat([this.#root, Buffer.from(key, "utf8")]);
  }

  /** The logical key of an etcd key. */
  decode(key: Buffer): string {
    return key.toString("utf8", this.#root.length);
  }

  /** The `[key, range_end)` covering every etcd key that starts with the logical `prefix`. */
  prefixRange(prefix: string): { key: Buffer; range_end: Buffer } {
    const key = this.encode(prefix);
    return { key, range_end: prefixEnd(key) };
  }
}

/** The smallest key greater than every key starting with `prefix` (etcd's prefix range end). */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] as number) < 0xff) {
      end[i] = (end[i] as number) + 1;
      return end.subarray(0, i + 1);
    }
  }
  // Every byte is 0xff: the range runs to the end of the keyspace.
  return Buffer.from([0]);
}
