import type { MeshError } from "../errors.js";
import type { StoreCallOptions } from "./call-options.js";
import type { KvDeleteOutcome, KvDeleteRequest, KvPutOutcome, KvPutRequest } from "./kv-store.js";

/** Default session lease time-to-live: 20 s, as the original's etcd client (§1.1). */
export const DEFAULT_SESSION_TTL_MS = 20_000;

/** Options of {@link KvStore.openSession}. */
export interface KvSessionOptions extends StoreCallOptions {
  /**
   * Lease time-to-live in milliseconds (default {@link DEFAULT_SESSION_TTL_MS}). After the process
   * dies or is cut off for this long, its session keys are deleted. etcd rounds it up to seconds.
   */
  readonly ttlMs?: number;
}

/**
 * State of a session: `alive` (lease held), `lost` (the lease expired, e.g. while partitioned; a
 * new one is being created and the keys will be put again), `closed`.
 */
export type KvSessionState = "alive" | "lost" | "closed";

/** What a session re-created after losing its lease. */
export interface KvSessionRecreated {
  /** The new lease id. */
  readonly leaseId: string;
  /** Keys put again with their last written value. */
  readonly restoredKeys: readonly string[];
  /** Keys that someone else had written meanwhile; left as they were and forgotten by the session. */
  readonly conflictingKeys: readonly string[];
  /**
   * The mod revision each restored key was put at. A watch (or mirror) that shows a key at this
   * revision has also seen every change before it, such as other keys of lost leases deleted.
   */
  readonly revisions: ReadonlyMap<string, number>;
}

/**
 * A session lease (§1.6): keys written through it are deleted when the process dies (the lease is
 * no longer kept alive) or the session closes. If the lease is lost while the process lives, the
 * session creates a new one and puts its keys again, firing `lost` then `recreated`.
 */
export interface KvSession {
  /** Id of the current lease (changes when the session is re-created). */
  leaseId(): string;
  state(): KvSessionState;
  /** {@link KvStore.putIfRevision} with the key bound to this session's lease. */
  putIfRevision(request: KvPutRequest, options?: StoreCallOptions): Promise<KvPutOutcome>;
  /** {@link KvStore.deleteIfRevision}; the session also forgets the key. */
  deleteIfRevision(request: KvDeleteRequest, options?: StoreCallOptions): Promise<KvDeleteOutcome>;
  /** Called when the lease is lost; returns a function that unsubscribes. */
  onLost(listener: (error: MeshError) => void): () => void;
  /** Called after a lost session got a new lease and put its keys again. */
  onRecreated(listener: (info: KvSessionRecreated) => void): () => void;
  /** Revokes the lease (deleting its keys) and stops keeping it alive. Idempotent. */
  close(options?: StoreCallOptions): Promise<void>;
}
