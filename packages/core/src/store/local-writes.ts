/**
 * Something that wants to see this process's successful writes at once: an open table mirror
 * (§1.6: "a successful local write is immediately reflected in the cache").
 * @internal
 */
export interface LocalWriteSink {
  /** Key prefix the sink covers. */
  readonly prefix: string;
  /** A put of `key` succeeded at `revision`; `expectedRevision` 0 means it created the key. */
  applyLocalPut(write: { key: string; text: string; revision: number; expectedRevision: number }): void;
  /** A delete of `key` succeeded at `revision`. */
  applyLocalDelete(key: string, revision: number): void;
}

/**
 * Fans this process's successful writes out to the sinks covering their keys. One per mesh store.
 * @internal
 */
export class LocalWrites {
  readonly #sinks = new Set<LocalWriteSink>();

  /** Registers a sink; returns a function that removes it. */
  register(sink: LocalWriteSink): () => void {
    this.#sinks.add(sink);
    return () => this.#sinks.delete(sink);
  }

  /** Reports a successful put. */
  put(write: { key: string; text: string; revision: number; expectedRevision: number }): void {
    for (const sink of this.#sinks) if (write.key.startsWith(sink.prefix)) sink.applyLocalPut(write);
  }

  /** Reports a successful delete. */
  delete(key: string, revision: number): void {
    for (const sink of this.#sinks) if (key.startsWith(sink.prefix)) sink.applyLocalDelete(key, revision);
  }
}
