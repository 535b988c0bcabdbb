/**
 * Watches a stream of gRPC length-prefixed messages (1 flag byte, 4-byte big-endian length, body)
 * for a message longer than a limit, without copying or decoding: only prefix bytes are read,
 * bodies are skipped, and a prefix may straddle chunks.
 */
export class MessageLimitScanner {
  readonly #maxBytes: number;
  /** Bytes of the current message body still to skip. */
  #remaining = 0;
  /** Position within a length prefix (0 = expecting a new message). */
  #prefixPos = 0;
  #length = 0;
  /** Length of the message that broke the limit. */
  tooLongBytes = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Scans a chunk; false when a message in it is longer than the limit. */
  scan(chunk: Uint8Array): boolean {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.#remaining > 0) {
        const skip = Math.min(this.#remaining, n - i);
        this.#remaining -= skip;
        i += skip;
        continue;
      }
      const byte = chunk[i++] ?? 0;
      // Byte 0 is the compressed flag; bytes 1–4 the length.
      this.#length = this.#prefixPos === 0 ? 0 : this.#length * 256 + byte;
      if (++this.#prefixPos < 5) continue;
      this.#prefixPos = 0;
      if (this.#length > this.#maxBytes) {
        this.tooLongBytes = this.#length;
        return false;
      }
      this.#remaining = this.#length;
    }
    return true;
  }
}
