import type { Logger } from "../ports/logger.js";
import type { RecordCodec } from "../records/codec.js";
import type { KvEntry } from "./kv-store.js";
import type { KvEvent, KvSnapshotSink } from "./kv-watch.js";
import type { MirrorEvent } from "./mirror-event.js";
import type { Versioned } from "./versioned.js";

const invalid: unique symbol = Symbol("invalid");

/** Options of {@link MirrorState}. */
export interface MirrorStateOptions<T> {
  readonly prefix: string;
  readonly codec: RecordCodec<T>;
  readonly logger: Logger;
  readonly emit: (event: MirrorEvent<T>) => void;
}

/**
 * The in-memory copy of one table and the rules that keep it exact, apart from any I/O:
 *
 * - the watch feeds snapshots and ordered events; each key keeps the revision it was last seen at,
 *   so a change already applied (a duplicate, or this process's own write reported earlier) is
 *   skipped: every change is applied and emitted once;
 * - this process's own successful writes are applied at once ({@link applyLocalPut}), ahead of the
 *   watch; a local delete leaves a tombstone until the watch passes its revision, so an older put
 *   still in flight cannot bring the key back;
 * - a later snapshot (the watch could not resume) is diffed against the current content and emits
 *   exactly the changes that were missed;
 * - a value the codec rejects is logged with its key and treated as absent.
 * @internal
 */
export class MirrorState<T> {
  #entries = new Map<string, Versioned<T>>();
  readonly #tombstones = new Map<string, number>();
  readonly #options: MirrorStateOptions<T>;
  #revision = 0;
  #initialized = false;

  constructor(options: MirrorStateOptions<T>) {
    this.#options = options;
  }

  /** Every change up to this revision has been applied from the watch. */
  get revision(): number {
    return this.#revision;
  }

  /** True once the first snapshot is in. */
  get initialized(): boolean {
    return this.#initialized;
  }

  /** The current entries by id (read-only use). */
  get entries(): ReadonlyMap<string, Versioned<T>> {
    return this.#entries;
  }

  /** Replaces the content with a snapshot read at `revision`; after the first one, emits the diff. */
  applySnapshot(kvEntries: Iterable<KvEntry>, revision: number): void {
    const snapshot = this.beginSnapshot(revision);
    snapshot.add(kvEntries);
    snapshot.end();
  }

  /**
   * A snapshot read at `revision`, given in parts: each part is decoded as it comes (so its entries
   * can be dropped at once); nothing changes until `end()`, which applies it as
   * {@link applySnapshot} does. A snapshot never ended is simply dropped.
   */
  beginSnapshot(revision: number): KvSnapshotSink {
    const fresh = new Map<string, Versioned<T>>();
    let ended = false;
    return {
      add: (kvEntries) => {
        if (ended) return;
        for (const entry of kvEntries) {
          const id = this.#idOf(entry.key);
          if (id === undefined) continue;
          const value = this.#decode(entry.value, entry.key);
          if (value === invalid) continue;
          fresh.set(id, { value, revision: entry.modRevision, createRevision: entry.createRevision });
        }
      },
      end: () => {
        if (ended) return;
        ended = true;
        if (this.#initialized) this.#diffInto(fresh, revision);
        else this.#entries = fresh;
        this.#initialized = true;
        this.#advance(revision);
      },
    };
  }

  /** Applies watched changes; every change up to `revision` has then been seen. */
  applyEvents(events: readonly KvEvent[], revision: number): void {
    for (const event of events) {
      if (event.type === "put") this.#applyPut(event.entry);
      else this.#applyDelete(event.key, event.modRevision);
    }
    this.#advance(revision);
  }

  /** Applies this process's successful put (visible before the watch reports it). */
  applyLocalPut(write: { key: string; text: string; revision: number; expectedRevision: number }): void {
    if (!this.#initialized || write.revision <= this.#revision) return;
    const id = this.#idOf(write.key);
    if (id === undefined) return;
    const existing = this.#entries.get(id);
    // The create revision is known when the write created the key or updated the incarnation we
    // hold; otherwise the watch will report it shortly with the right one.
    const createRevision =
      write.expectedRevision === 0
        ? write.revision
        : existing?.revision === write.expectedRevision
          ? existing.createRevision
          : undefined;
    if (createRevision === undefined) return;
    this.#applyPut({ key: write.key, value: write.text, modRevision: write.revision, createRevision });
  }

  /** Applies this process's successful delete. */
  applyLocalDelete(key: string, revision: number): void {
    if (!this.#initialized || revision <= this.#revision) return;
    const id = this.#idOf(key);
    if (id === undefined) return;
    this.#tombstones.set(id, revision);
    this.#applyDelete(key, revision);
  }

  #applyPut(entry: KvEntry): void {
    const id = this.#idOf(entry.key);
    if (id === undefined) return;
    const existing = this.#entries.get(id);
    if (existing !== undefined && existing.revision >= entry.modRevision) return;
    const deletedAt = this.#tombstones.get(id);
    if (deletedAt !== undefined && deletedAt >= entry.modRevision) return;
    const value = this.#decode(entry.value, entry.key);
    if (value === invalid) {
      if (existing !== undefined) this.#remove(id, existing);
      return;
    }
    const next: Versioned<T> = { value, revision: entry.modRevision, createRevision: entry.createRevision };
    this.#entries.set(id, next);
    this.#options.emit(
      existing === undefined
        ? { type: "added", id, next }
        : { type: "updated", id, previous: existing, next },
    );
  }

  #applyDelete(key: string, modRevision: number): void {
    const id = this.#idOf(key);
    if (id === undefined) return;
    const existing = this.#entries.get(id);
    // A newer local write of the key wins over an older delete still in flight.
    if (existing === undefined || existing.revision > modRevision) return;
    this.#remove(id, existing);
  }

  #remove(id: string, previous: Versioned<T>): void {
    this.#entries.delete(id);
    this.#options.emit({ type: "deleted", id, previous });
  }

  /** Emits what changed between the current content and a snapshot taken at `revision`. */
  #diffInto(fresh: ReadonlyMap<string, Versioned<T>>, revision: number): void {
    for (const [id, previous] of [...this.#entries]) {
      if (previous.revision > revision) continue; // a local write newer than the snapshot
      const next = fresh.get(id);
      if (next === undefined) this.#remove(id, previous);
      else if (next.revision !== previous.revision) {
        this.#entries.set(id, next);
        this.#options.emit({ type: "updated", id, previous, next });
      }
    }
    for (const [id, next] of fresh) {
      if (this.#entries.has(id)) continue;
      const deletedAt = this.#tombstones.get(id);
      if (deletedAt !== undefined && deletedAt >= next.revision) continue;
      this.#entries.set(id, next);
      this.#options.emit({ type: "added", id, next });
    }
  }

  #advance(revision: number): void {
    if (revision > this.#revision) this.#revision = revision;
    if (this.#tombstones.size === 0) return;
    for (const [id, deletedAt] of this.#tombstones)
      if (deletedAt <= this.#revision) this.#tombstones.delete(id);
  }

  #idOf(key: string): string | undefined {
    const { prefix } = this.#options;
    return key.length > prefix.length && key.startsWith(prefix) ? key.slice(prefix.length) : undefined;
  }

  #decode(text: string, key: string): T | typeof invalid {
    try {
      return this.#options.codec.decode(text, key);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      // §1.6 / issue 4: a record that cannot be decoded is reported with its key and skipped; the
      // mirror keeps working for every other key.
      this.#options.logger.warn({ key, reason }, "skipping a stored record that cannot be decoded");
      return invalid;
    }
  }
}
