import type { MeshError } from "../errors.js";
import type { KvEntry } from "./kv-store.js";

/** One change seen by a watch. */
export type KvEvent =
  | { readonly type: "put"; readonly entry: KvEntry }
  | { readonly type: "delete"; readonly key: string; readonly modRevision: number };

/** Connection state of a watch; while disconnected the adapter keeps retrying on its own. */
export type KvWatchStatus =
  | { readonly connected: true }
  | { readonly connected: false; readonly error: MeshError };

/**
 * Receives what a {@link KvStore.watch} sees. Calls never overlap and arrive in revision order.
 * The contract: after `snapshot(entries, r)`, `events` delivers every change with revision > r
 * exactly once, in order, until the next `snapshot` (which replaces everything: the adapter sends
 * one only when it could not resume, e.g. because the history was compacted).
 */
export interface KvWatchListener {
  /**
   * Every key under the prefix at `revision`, in no particular order. Iterate `entries` during
   * this call only: an adapter may hand over a view that decodes each entry as it is reached
   * (from the messages it received, or from its own live state), so a large table never exists
   * as one array of entries next to the listener's own copy of it.
   */
  snapshot(entries: Iterable<KvEntry>, revision: number): void;
  /**
   * Optional: receive a snapshot in parts while the adapter is still reading it (pages of a large
   * table), instead of one `snapshot` call at the end. The adapter calls it once the revision of
   * the read is known, hands every entry to the sink's `add` (each iterable during that call only)
   * and calls `end()` when the read is complete; that is the snapshot. A sink that is never
   * ended (the read failed and starts over with a new sink) must change nothing.
   */
  beginSnapshot?(revision: number): KvSnapshotSink;
  /** Changes in revision order; every change up to `revision` has now been delivered. */
  events(events: readonly KvEvent[], revision: number): void;
  /** Connected / disconnected transitions (optional). */
  status?(status: KvWatchStatus): void;
}

/** Receives one snapshot in parts (see {@link KvWatchListener.beginSnapshot}). */
export interface KvSnapshotSink {
  /** More entries of the snapshot, in no particular order. */
  add(entries: Iterable<KvEntry>): void;
  /** Every entry has been added: the snapshot takes effect. */
  end(): void;
}

/** A running watch. */
export interface KvWatch {
  /** Stops the watch; no listener call follows. */
  close(): void;
}
