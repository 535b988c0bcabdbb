import type { StoreCallOptions } from "./call-options.js";
import type { KvSession, KvSessionOptions } from "./kv-session.js";
import type { KvWatch, KvWatchListener } from "./kv-watch.js";

/**
 * One stored key. Keys and values are UTF-8 strings; keys are full paths such as
 * `/tas-runtime/<service>/registry/<modelId>` (an etcd root prefix, if any, is the adapter's business
 * and never appears here).
 */
export interface KvEntry {
  readonly key: string;
  readonly value: string;
  /** Revision of the key's last write (etcd mod revision): its version for compare-and-set (§1.6). */
  readonly modRevision: number;
  /** Revision at which the key was created (etcd create revision): orders leader candidates (§1.7). */
  readonly createRevision: number;
}

/** Every key under a prefix, read at one revision. */
export interface KvRange {
  /** Entries sorted by key. */
  readonly entries: readonly KvEntry[];
  /** Store revision the range was read at (≥ every entry's `modRevision`). */
  readonly revision: number;
}

/** A conditional put: `expectedRevision` 0 means "the key must be absent" (create only). */
export interface KvPutRequest {
  readonly key: string;
  readonly value: string;
  /** The key's `modRevision` the caller read, or 0 when it must not exist. */
  readonly expectedRevision: number;
}

/** A conditional delete: the key must exist at exactly `expectedRevision` (> 0). */
export interface KvDeleteRequest {
  readonly key: string;
  readonly expectedRevision: number;
}

/** The compare failed: another writer got there first. `current` is the key now (absent: undefined). */
export interface KvConflict {
  readonly ok: false;
  readonly current: KvEntry | undefined;
}

/** Outcome of {@link KvStore.putIfRevision}: the new revision, or the conflict. */
export type KvPutOutcome = { readonly ok: true; readonly revision: number } | KvConflict;

/** Outcome of {@link KvStore.deleteIfRevision}: the revision of the delete, or the conflict. */
export type KvDeleteOutcome = { readonly ok: true; readonly revision: number } | KvConflict;

/** One compare of a {@link KvTransaction}: the key's mod revision must equal `expectedRevision` (0 = absent). */
export interface KvCompare {
  readonly key: string;
  readonly expectedRevision: number;
}

/** One write of a {@link KvTransaction}. */
export type KvWrite =
  | { readonly type: "put"; readonly key: string; readonly value: string }
  | { readonly type: "delete"; readonly key: string };

/**
 * A multi-key transaction (etcd `Txn`, §1.6): if every compare holds, every write is applied
 * atomically at one new revision; otherwise nothing is written. A key may be written once at most.
 */
export interface KvTransaction {
  readonly compares: readonly KvCompare[];
  readonly writes: readonly KvWrite[];
}

/**
 * Outcome of {@link KvStore.transaction}. On failure `current` holds the current entry (or
 * `undefined`) of every compared key, so the caller can retry with fresh values.
 */
export type KvTransactionOutcome =
  | { readonly ok: true; readonly revision: number }
  | { readonly ok: false; readonly current: ReadonlyMap<string, KvEntry | undefined> };

/**
 * The KV store port: what the mesh needs from etcd or the embedded store. Revisions are global and
 * increase with every write, as etcd's do. Every call takes {@link StoreCallOptions}; failures reject
 * with a `MeshError`: `STORE_UNAVAILABLE` (retryable: unreachable, timed out, outcome of a write
 * unknown), `CANCELLED` (the caller's signal), `INVALID_ARGUMENT` (a malformed request).
 * Compare failures are not errors: they resolve with `{ ok: false, current }`.
 *
 * Adapters: `@modelmesh/store-etcd`, `@modelmesh/store-embedded`. Both pass the same contract
 * suite (`@modelmesh/core/store-contract`).
 */
export interface KvStore {
  /** Which implementation this is ("etcd", "embedded"), for logs and diagnostics. */
  readonly kind: string;
  /** Reads one key (a linearizable read). */
  get(key: string, options?: StoreCallOptions): Promise<KvEntry | undefined>;
  /** Reads every key starting with `prefix`, all at one revision. */
  range(prefix: string, options?: StoreCallOptions): Promise<KvRange>;
  /** Writes a key if its mod revision is `expectedRevision` (0: if it is absent). */
  putIfRevision(request: KvPutRequest, options?: StoreCallOptions): Promise<KvPutOutcome>;
  /** Deletes a key if its mod revision is `expectedRevision`. A missing key is a conflict. */
  deleteIfRevision(request: KvDeleteRequest, options?: StoreCallOptions): Promise<KvDeleteOutcome>;
  /** Runs a multi-key compare-then-write transaction. */
  transaction(transaction: KvTransaction, options?: StoreCallOptions): Promise<KvTransactionOutcome>;
  /**
   * Watches every key under `prefix`: a snapshot first, then the changes in revision order. The
   * adapter reconnects by itself and resumes after the last delivered revision; when it cannot
   * (history compacted) it delivers a fresh snapshot. See {@link KvWatchListener}. The listener is
   * never called from inside this call.
   */
  watch(prefix: string, listener: KvWatchListener): KvWatch;
  /** Opens a session: a lease kept alive while this process lives (§1.6 "Leases"). */
  openSession(options?: KvSessionOptions): Promise<KvSession>;
  /**
   * Why the store refuses writes right now, or undefined while they work. Optional: an adapter
   * that refuses writes for a while on its own — the embedded store after its disk failed or
   * filled up, until a write succeeds again — reports it here, and readiness turns false.
   */
  writeFailure?(): string | undefined;
  /** Closes open sessions (their keys are deleted), watches and connections. */
  close(): Promise<void>;
}
