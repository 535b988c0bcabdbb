import { MeshError } from "../errors.js";
import type { Logger } from "../ports/logger.js";
import type { RecordCodec } from "../records/codec.js";
import type { KvStore } from "./kv-store.js";
import type { KvWatch, KvWatchStatus } from "./kv-watch.js";
import { createListenerSet } from "./listeners.js";
import type { LocalWrites } from "./local-writes.js";
import type { MirrorEvent } from "./mirror-event.js";
import { MirrorState } from "./mirror-state.js";
import type { Versioned } from "./versioned.js";

/**
 * State of a mirror: `loading` (no snapshot yet), `live` (watching), `disconnected` (serving the last
 * state it saw while the watch reconnects), `closed`.
 */
export type MirrorStatus = "loading" | "live" | "disconnected" | "closed";

/**
 * A table held in memory and kept current by a prefix watch (§1.6 "Watches", etcd-java's
 * RangeCache in the original). Reads are synchronous and never touch the store: this is what the
 * inference hot path reads. Events: see {@link MirrorEvent}; the initial snapshot emits none (await
 * {@link ready}), a resync after a compacted history emits the differences.
 */
export interface TableMirror<T> extends Iterable<[string, Versioned<T>]> {
  /** Resolves once the first snapshot is loaded; rejects (`CANCELLED`) if closed before. */
  readonly ready: Promise<void>;
  /** Number of records held. */
  readonly size: number;
  /** Every change up to this store revision has been applied from the watch. */
  readonly revision: number;
  /** Current state. */
  status(): MirrorStatus;
  /** The record with this id, with its revisions; `undefined` when absent (or undecodable). */
  get(id: string): Versioned<T> | undefined;
  /** Ids and records, in no particular order. */
  entries(): IterableIterator<[string, Versioned<T>]>;
  /** Registers an event listener; returns a function that removes it. */
  subscribe(listener: (event: MirrorEvent<T>) => void): () => void;
  /** Stops watching; the content stays readable but no longer changes. */
  close(): void;
}

/** Options of {@link openTableMirror}. @internal */
export interface OpenTableMirrorOptions<T> {
  readonly kv: KvStore;
  readonly prefix: string;
  readonly codec: RecordCodec<T>;
  readonly logger: Logger;
  readonly localWrites: LocalWrites;
}

/** Opens a mirror of every key under `prefix`. @internal (use `KvTable.mirror()`) */
export function openTableMirror<T>(options: OpenTableMirrorOptions<T>): TableMirror<T> {
  return new Mirror(options);
}

class Mirror<T> implements TableMirror<T> {
  readonly ready: Promise<void>;
  readonly #state: MirrorState<T>;
  readonly #listeners = createListenerSet<MirrorEvent<T>>();
  readonly #logger: Logger;
  readonly #watch: KvWatch;
  readonly #unregister: () => void;
  #status: MirrorStatus = "loading";
  #settleReady: { resolve: () => void; reject: (error: MeshError) => void } | undefined;

  constructor(options: OpenTableMirrorOptions<T>) {
    this.#logger = options.logger.child({ prefix: options.prefix });
    this.ready = new Promise<void>((resolve, reject) => {
      this.#settleReady = { resolve, reject };
    });
    // Nobody may be waiting on `ready`; a close before loading must not become an unhandled rejection.
    this.ready.catch(() => undefined);
    this.#state = new MirrorState({
      prefix: options.prefix,
      codec: options.codec,
      logger: this.#logger,
      emit: (event) => this.#listeners.emit(event, (error) => this.#reportListenerError(error)),
    });
    this.#unregister = options.localWrites.register({
      prefix: options.prefix,
      applyLocalPut: (write) => this.#state.applyLocalPut(write),
      applyLocalDelete: (key, revision) => this.#state.applyLocalDelete(key, revision),
    });
    this.#watch = options.kv.watch(options.prefix, {
      snapshot: (entries, revision) => {
        this.#state.applySnapshot(entries, revision);
        this.#markLive();
      },
      beginSnapshot: (revision) => {
        const snapshot = this.#state.beginSnapshot(revision);
        return {
          add: (entries) => snapshot.add(entries),
          end: () => {
            snapshot.end();
            this.#markLive();
          },
        };
      },
      events: (events, revision) => this.#state.applyEvents(events, revision),
      status: (status) => this.#onStatus(status),
    });
  }

  get size(): number {
    return this.#state.entries.size;
  }

  get revision(): number {
    return this.#state.revision;
  }

  status(): MirrorStatus {
    return this.#status;
  }

  get(id: string): Versioned<T> | undefined {
    return this.#state.entries.get(id);
  }

  entries(): IterableIterator<[string, Versioned<T>]> {
    return this.#state.entries.entries();
  }

  [Symbol.iterator](): IterableIterator<[string, Versioned<T>]> {
    return this.entries();
  }

  subscribe(listener: (event: MirrorEvent<T>) => void): () => void {
    return this.#listeners.add(listener);
  }

  close(): void {
    if (this.#status === "closed") return;
    this.#status = "closed";
    this.#watch.close();
    this.#unregister();
    this.#settleReady?.reject(new MeshError("CANCELLED", "the table mirror was closed before it loaded"));
    this.#settleReady = undefined;
  }

  #markLive(): void {
    if (this.#status === "closed") return;
    this.#status = "live";
    this.#settleReady?.resolve();
    this.#settleReady = undefined;
  }

  #onStatus(status: KvWatchStatus): void {
    if (this.#status === "closed" || !this.#state.initialized) return;
    this.#status = status.connected ? "live" : "disconnected";
    if (!status.connected) {
      this.#logger.warn({ reason: status.error.message }, "table watch disconnected; serving the last state");
    }
  }

  #reportListenerError(error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    this.#logger.error({ reason }, "a table mirror listener threw");
  }
}
