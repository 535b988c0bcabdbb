import type { KvEntry } from "@modelmesh/core";
import type { CommitRecord } from "./commit-record.js";

/** A key as the embedded store holds it. */
export interface StoredEntry {
  readonly value: string;
  readonly modRevision: number;
  readonly createRevision: number;
  /** Session lease the key is bound to (deleted with it), if any. */
  readonly lease: string | undefined;
}

/** The durable content of the store: every key, and the revision of the last applied commit. */
export class StoreState {
  readonly entries = new Map<string, StoredEntry>();
  revision = 0;

  /** Applies one commit (from the log, or once it is durable). */
  apply(record: CommitRecord): void {
    for (const op of record.o) {
      if (op.v === undefined) this.entries.delete(op.k);
      else {
        this.entries.set(op.k, {
          value: op.v,
          modRevision: record.r,
          createRevision: op.c ?? record.r,
          lease: op.l,
        });
      }
    }
    if (record.r > this.revision) this.revision = record.r;
  }

  /**
   * Every key starting with `prefix`, unsorted, each turned into an entry only as it is reached
   * (a watch's snapshot: its listener keeps what it needs, the entries themselves die young).
   * Valid while the state does not change, i.e. within one synchronous call.
   */
  *entriesUnder(prefix: string): IterableIterator<KvEntry> {
    for (const [key, entry] of this.entries) if (key.startsWith(prefix)) yield toKvEntry(key, entry);
  }

  /** Every key starting with `prefix`, sorted by key. */
  range(prefix: string): KvEntry[] {
    const found: KvEntry[] = [];
    for (const [key, entry] of this.entries) if (key.startsWith(prefix)) found.push(toKvEntry(key, entry));
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}

/** The port's view of a stored entry. */
export function toKvEntry(key: string, entry: StoredEntry): KvEntry {
  return { key, value: entry.value, modRevision: entry.modRevision, createRevision: entry.createRevision };
}
