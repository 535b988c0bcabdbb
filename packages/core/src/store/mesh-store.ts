import { type Logger, noopLogger } from "../ports/logger.js";
import type { RecordCodec } from "../records/codec.js";
import type { StoreCallOptions } from "./call-options.js";
import type { StoreLayout, StoreTableName } from "./key-layout.js";
import type { KvSessionOptions } from "./kv-session.js";
import type { KvStore } from "./kv-store.js";
import { joinLeaderElection, type LeaderElection } from "./leader-election.js";
import { LocalWrites } from "./local-writes.js";
import { createMeshSession, type MeshSession } from "./mesh-session.js";
import { stringCodec } from "./string-codec.js";
import { createKvTable, type KvTable } from "./table.js";
import { runTransaction, type TxnOp, type TxnOutcome } from "./transaction.js";

/** Options of {@link createMeshStore}. */
export interface MeshStoreOptions {
  /** The adapter: `connectEtcdStore(...)` or `openEmbeddedStore(...)`. */
  readonly kv: KvStore;
  /** Key layout (`createStoreLayout({ kvStorePrefix, serviceName })`). */
  readonly layout: StoreLayout;
  /** Receives undecodable-record reports and watch state changes. Default: no-op. */
  readonly logger?: Logger;
}

/**
 * The mesh's view of its KV store: typed tables under the §1.2 layout, multi-key transactions,
 * session leases and leader election, over any {@link KvStore} adapter. Writes made through it are
 * visible at once in its mirrors (§1.6).
 */
export interface MeshStore {
  readonly kv: KvStore;
  readonly layout: StoreLayout;
  /** A typed table, e.g. `table("registry", modelRecordCodec)`. Cheap; tables share nothing but the store. */
  table<T>(name: StoreTableName, codec: RecordCodec<T>): KvTable<T>;
  /** `config/<key>`: plain string values (§12.4). */
  config(): KvTable<string>;
  /**
   * Runs a multi-key compare-then-write transaction (ops from `txnOp(table, ...)`); on failure the
   * outcome gives every op's current record.
   */
  transaction(ops: readonly TxnOp<unknown>[], options?: StoreCallOptions): Promise<TxnOutcome>;
  /** Opens a session lease (TTL default 20 s). */
  openSession(options?: KvSessionOptions): Promise<MeshSession>;
  /** Joins the leader election under `leaderLatch/` with a candidate key bound to `session`. */
  joinElection(options: { readonly session: MeshSession; readonly candidateId: string }): LeaderElection;
  /** Closes the adapter (sessions are revoked, watches stopped). */
  close(): Promise<void>;
}

/** Creates a {@link MeshStore} over an adapter. */
export function createMeshStore(options: MeshStoreOptions): MeshStore {
  const { kv, layout } = options;
  const logger = options.logger ?? noopLogger;
  const localWrites = new LocalWrites();
  const context = { kv, layout, logger, localWrites };
  const store: MeshStore = {
    kv,
    layout,
    table: (name, codec) => createKvTable(context, name, codec),
    config: () => createKvTable(context, "config", stringCodec),
    transaction: (ops, callOptions) => runTransaction(context, ops, callOptions),
    async openSession(sessionOptions) {
      return createMeshSession(await kv.openSession(sessionOptions), localWrites);
    },
    joinElection: ({ session, candidateId }) =>
      joinLeaderElection({
        table: createKvTable(context, "leaderLatch", stringCodec),
        session,
        candidateId,
        logger: logger.child({ component: "leader-election" }),
      }),
    close: () => kv.close(),
  };
  return Object.freeze(store);
}
