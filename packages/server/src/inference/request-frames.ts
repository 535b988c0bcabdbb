/** What {@link RequestFrameScanner.scan} found so far. */
export type FrameScan =
  | { readonly kind: "ok" }
  /** A message declared longer than the limit (RESOURCE_EXHAUSTED). */
  | { readonly kind: "too-large"; readonly lengthBytes: number };

/**
 * Follows the gRPC length-prefixed messages of a request body as its chunks arrive, without
 * copying: counts the messages (a second one means client streaming, §2.1) and checks each
 * declared length against the message size limit as soon as its 5-byte prefix is complete.
 */
export class RequestFrameScanner {
  readonly #maxMessageBytes: number;
  /** Bytes of the current prefix seen (0–4), then message bytes still to skip. */
  #prefix = Buffer.alloc(5);
  #prefixBytes = 0;
  #skipBytes = 0;
  /** Messages whose prefix was seen. */
  messages = 0;
  /** True when the body ends in the middle of a message. */
  get partial(): boolean {
    return this.#prefixBytes > 0 || this.#skipBytes > 0;
  }

  constructor(maxMessageBytes: number) {
    this.#maxMessageBytes = maxMessageBytes;
  }

  /** Scans the next chunk. */
  scan(chunk: Uint8Array): FrameScan {
    let i = 0;
    while (i < chunk.length) {
      if (this.#skipBytes > 0) {
        const n = Math.min(this.#skipBytes, chunk.length - i);
        this.#skipBytes -= n;
        i += n;
        continue;
      }
      this.#prefix[this.#prefixBytes++] = chunk[i++] as number;
      if (this.#prefixBytes < 5) continue;
      this.#prefixBytes = 0;
      this.messages++;
      const length = this.#prefix.readUInt32BE(1);
      if (length > this.#maxMessageBytes) return { kind: "too-large", lengthBytes: length };
      this.#skipBytes = length;
    }
    return { kind: "ok" };
  }
}
