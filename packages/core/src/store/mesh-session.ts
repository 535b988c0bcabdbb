import type { MeshError } from "../errors.js";
import type { StoreCallOptions } from "./call-options.js";
import { decodeVersioned } from "./decode.js";
import type { KvSession, KvSessionRecreated, KvSessionState } from "./kv-session.js";
import type { KvConflict } from "./kv-store.js";
import type { LocalWrites } from "./local-writes.js";
import type { KvTable, TablePut } from "./table.js";
import type { CasOutcome } from "./versioned.js";

/**
 * A session of the mesh store: typed, lease-bound writes (the instance record, the leader
 * candidate key, §1.4/§1.7) on top of a {@link KvSession}. Successful writes are visible at once
 * in this process's mirrors.
 */
export interface MeshSession {
  /** The underlying adapter session. */
  readonly kv: KvSession;
  /** Id of the current lease. */
  leaseId(): string;
  state(): KvSessionState;
  /** Writes a record bound to this session's lease if it is at `expectedRevision` (0: absent). */
  putIfRevision<T>(table: KvTable<T>, put: TablePut<T>, options?: StoreCallOptions): Promise<CasOutcome<T>>;
  /** Deletes a session record if it is at `expectedRevision`. */
  deleteIfRevision<T>(
    table: KvTable<T>,
    request: { readonly id: string; readonly expectedRevision: number },
    options?: StoreCallOptions,
  ): Promise<CasOutcome<T>>;
  /** See {@link KvSession.onLost}. */
  onLost(listener: (error: MeshError) => void): () => void;
  /** See {@link KvSession.onRecreated}. */
  onRecreated(listener: (info: KvSessionRecreated) => void): () => void;
  /** Revokes the lease; its keys are deleted. */
  close(options?: StoreCallOptions): Promise<void>;
}

/** Wraps an adapter session. @internal (use `MeshStore.openSession()`) */
export function createMeshSession(kv: KvSession, localWrites: LocalWrites): MeshSession {
  const conflict = <T>(table: KvTable<T>, outcome: KvConflict): CasOutcome<T> => ({
    ok: false,
    current: outcome.current === undefined ? undefined : decodeVersioned(table.codec, outcome.current),
  });
  return Object.freeze({
    kv,
    leaseId: () => kv.leaseId(),
    state: () => kv.state(),
    async putIfRevision<T>(table: KvTable<T>, put: TablePut<T>, options?: StoreCallOptions) {
      const key = table.keyOf(put.id);
      const text = table.codec.encode(put.value);
      const outcome = await kv.putIfRevision(
        { key, value: text, expectedRevision: put.expectedRevision },
        options,
      );
      if (!outcome.ok) return conflict(table, outcome);
      localWrites.put({ key, text, revision: outcome.revision, expectedRevision: put.expectedRevision });
      return outcome;
    },
    async deleteIfRevision<T>(
      table: KvTable<T>,
      request: { readonly id: string; readonly expectedRevision: number },
      options?: StoreCallOptions,
    ) {
      const key = table.keyOf(request.id);
      const outcome = await kv.deleteIfRevision({ key, expectedRevision: request.expectedRevision }, options);
      if (!outcome.ok) return conflict(table, outcome);
      localWrites.delete(key, outcome.revision);
      return outcome;
    },
    onLost: (listener: (error: MeshError) => void) => kv.onLost(listener),
    onRecreated: (listener: (info: KvSessionRecreated) => void) => kv.onRecreated(listener),
    close: (options?: StoreCallOptions) => kv.close(options),
  });
}
