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
  /** Every key under the prefix at `revision`. */
  snapshot(entries: readonly KvEntry[], revision: number): void;
  /** Changes in revision order; every change up to `revision` has now been delivered. */
  events(events: readonly KvEvent[], revision: number): void;
  /** Connected / disconnected transitions (optional). */
  status?(status: KvWatchStatus): void;
}

/** A running watch. */
export interface KvWatch {
  /** Stops the watch; no listener call follows. */
  close(): void;
}
