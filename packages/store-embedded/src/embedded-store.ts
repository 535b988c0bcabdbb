import {
  assertExpectedRevision,
  assertValidKey,
  assertValidTransaction,
  type KvCompare,
  type KvDeleteOutcome,
  type KvDeleteRequest,
  type KvEntry,
  type KvPutOutcome,
  type KvPutRequest,
  type KvRange,
  type KvSession,
  type KvSessionOptions,
  type KvStore,
  type KvTransaction,
  type KvTransactionOutcome,
  type KvWatch,
  type KvWatchListener,
  type Logger,
  MeshError,
  type StoreCallOptions,
  throwIfAborted,
} from "@modelmesh/core";
import type { CommitOp } from "./commit-record.js";
import type { DataDirLock } from "./data-dir-lock.js";
import { withDeadline } from "./deadline.js";
import { EmbeddedSession } from "./embedded-session.js";
import { GroupCommit } from "./group-commit.js";
import { type StoredEntry, type StoreState, toKvEntry } from "./store-state.js";
import { WatchHub } from "./watch-hub.js";
import type { WriteAheadLog } from "./write-ahead-log.js";

/** What an opened data directory hands to the store. @internal */
export interface EmbeddedStoreParts {
  readonly dir: string;
  readonly state: StoreState;
  readonly wal: WriteAheadLog;
  readonly lock: DataDirLock;
  readonly compactAfterBytes: number;
  /** While writes fail, how often to retry them (ms). */
  readonly retryIntervalMs: number;
  readonly logger: Logger;
}

/** One write of a conditional commit; `value` undefined deletes. */
interface PlannedWrite {
  readonly key: string;
  readonly value?: string;
  readonly lease?: string;
}

type CommitOutcome = KvTransactionOutcome;

/**
 * The embedded {@link KvStore}: the durable state in memory, a write-ahead log on disk.
 *
 * Writes are serialised by evaluating their compares against the newest state — durable plus
 * commits still being synced (`pending`) — and taking the next revision in the same synchronous
 * step. They resolve once durable. Reads, watches and conflict reports only ever show durable
 * data, as etcd shows only committed data.
 */
export class EmbeddedKvStore implements KvStore {
  readonly kind = "embedded";
  readonly #parts: EmbeddedStoreParts;
  readonly #pending = new Map<
    string,
    { readonly entry: StoredEntry | undefined; readonly revision: number }
  >();
  readonly #commits: GroupCommit;
  readonly #watches: WatchHub;
  readonly #sessions = new Set<EmbeddedSession>();
  #revision: number;
  #nextLease = 1;
  #closed = false;

  constructor(parts: EmbeddedStoreParts) {
    this.#parts = parts;
    this.#revision = parts.state.revision;
    this.#watches = new WatchHub(parts.state, parts.logger);
    this.#commits = new GroupCommit({
      dir: parts.dir,
      wal: parts.wal,
      state: parts.state,
      compactAfterBytes: parts.compactAfterBytes,
      retryIntervalMs: parts.retryIntervalMs,
      logger: parts.logger,
      onDurable: (record) => {
        for (const op of record.o)
          if (this.#pending.get(op.k)?.revision === record.r) this.#pending.delete(op.k);
        this.#watches.publish(record);
      },
      onFailed: () => {
        // Every commit not yet durable was rejected: the newest state is the durable one again,
        // and the revisions those commits took are free (the log stays gapless).
        this.#pending.clear();
        this.#revision = this.#parts.state.revision;
      },
    });
  }

  async get(key: string, options?: StoreCallOptions): Promise<KvEntry | undefined> {
    this.#check(options);
    assertValidKey(key);
    const entry = this.#parts.state.entries.get(key);
    return entry === undefined ? undefined : toKvEntry(key, entry);
  }

  async range(prefix: string, options?: StoreCallOptions): Promise<KvRange> {
    this.#check(options);
    return { entries: this.#parts.state.range(prefix), revision: this.#parts.state.revision };
  }

  putIfRevision(request: KvPutRequest, options?: StoreCallOptions): Promise<KvPutOutcome> {
    return this.putWithLease(request, undefined, options);
  }

  /** A conditional put, bound to `lease` when given (a plain put unbinds the key, as in etcd). */
  async putWithLease(
    request: KvPutRequest,
    lease: string | undefined,
    options?: StoreCallOptions,
  ): Promise<KvPutOutcome> {
    this.#check(options);
    assertValidKey(request.key);
    assertExpectedRevision(request.expectedRevision, { allowZero: true, key: request.key });
    const write = lease === undefined ? { key: request.key, value: request.value } : { ...request, lease };
    return single(request.key, await this.#commit([request], [write], options));
  }

  async deleteIfRevision(request: KvDeleteRequest, options?: StoreCallOptions): Promise<KvDeleteOutcome> {
    this.#check(options);
    assertValidKey(request.key);
    assertExpectedRevision(request.expectedRevision, { allowZero: false, key: request.key });
    return single(request.key, await this.#commit([request], [{ key: request.key }], options));
  }

  async transaction(transaction: KvTransaction, options?: StoreCallOptions): Promise<KvTransactionOutcome> {
    this.#check(options);
    assertValidTransaction(transaction);
    const writes = transaction.writes.map((w) =>
      w.type === "put" ? { key: w.key, value: w.value } : { key: w.key },
    );
    return this.#commit(transaction.compares, writes, options);
  }

  watch(prefix: string, listener: KvWatchListener): KvWatch {
    this.#check();
    return this.#watches.watch(prefix, listener);
  }

  async openSession(options?: KvSessionOptions): Promise<KvSession> {
    this.#check(options);
    const session = new EmbeddedSession(this, `embedded-${process.pid}-${this.#nextLease++}`, () =>
      this.#sessions.delete(session),
    );
    this.#sessions.add(session);
    return session;
  }

  /** Deletes every key bound to `lease` (a closed session, or sessions of a previous process). */
  async deleteLeaseKeys(
    lease: string | ((lease: string) => boolean),
    options?: StoreCallOptions,
  ): Promise<void> {
    const matches = typeof lease === "string" ? (l: string) => l === lease : lease;
    for (let attempt = 0; attempt < 10; attempt++) {
      const compares: KvCompare[] = [];
      for (const key of this.#keysOfLeases(matches)) {
        compares.push({ key, expectedRevision: this.#view(key)?.modRevision ?? 0 });
      }
      if (compares.length === 0) return;
      const outcome = await this.#commit(
        compares,
        compares.map(({ key }) => ({ key })),
        options,
      );
      if (outcome.ok) return;
    }
    throw new MeshError("STORE_CONFLICT", "could not delete the keys of a closed session");
  }

  /**
   * Why writes are refused now (the disk is full, or failed), or undefined while they work. Reads
   * and watches keep serving the durable state meanwhile.
   */
  writeFailure(): string | undefined {
    return this.#commits.failure?.message;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    for (const session of [...this.#sessions]) await session.close().catch(() => undefined);
    this.#closed = true;
    this.#watches.closeAll();
    this.#commits.stop();
    await this.#commits.drain();
    await this.#parts.wal.close().catch(() => undefined);
    this.#parts.lock.release();
  }

  /** Evaluates compares and plans writes in one synchronous step, then waits for durability. */
  async #commit(
    compares: readonly KvCompare[],
    writes: readonly PlannedWrite[],
    options?: StoreCallOptions,
  ): Promise<CommitOutcome> {
    const failure = this.#commits.failure;
    if (failure !== undefined) throw failure;
    if (compares.some((c) => (this.#view(c.key)?.modRevision ?? 0) !== c.expectedRevision)) {
      return { ok: false, current: await this.#durableCurrent(compares) };
    }
    if (writes.length === 0) return { ok: true, revision: this.#revision };
    const revision = ++this.#revision;
    const ops = writes.map((write) => this.#plan(write, revision));
    await withDeadline(this.#commits.commit({ r: revision, o: ops }), options);
    return { ok: true, revision };
  }

  #plan(write: PlannedWrite, revision: number): CommitOp {
    if (write.value === undefined) {
      this.#pending.set(write.key, { entry: undefined, revision });
      return { k: write.key };
    }
    const createRevision = this.#view(write.key)?.createRevision ?? revision;
    const entry: StoredEntry = {
      value: write.value,
      modRevision: revision,
      createRevision,
      lease: write.lease,
    };
    this.#pending.set(write.key, { entry, revision });
    const op = { k: write.key, v: write.value, c: createRevision };
    return write.lease === undefined ? op : { ...op, l: write.lease };
  }

  /** The current entries of compared keys, once every pending write of them is durable. */
  async #durableCurrent(compares: readonly KvCompare[]): Promise<Map<string, KvEntry | undefined>> {
    const pendingRevisions = compares.flatMap((c) => {
      const pending = this.#pending.get(c.key);
      return pending === undefined ? [] : [pending.revision];
    });
    if (pendingRevisions.length > 0) await this.#commits.waitDurable(Math.max(...pendingRevisions));
    const current = new Map<string, KvEntry | undefined>();
    for (const { key } of compares) {
      const entry = this.#parts.state.entries.get(key);
      current.set(key, entry === undefined ? undefined : toKvEntry(key, entry));
    }
    return current;
  }

  /** The newest state of a key, pending commits included. */
  #view(key: string): StoredEntry | undefined {
    const pending = this.#pending.get(key);
    return pending === undefined ? this.#parts.state.entries.get(key) : pending.entry;
  }

  #keysOfLeases(matches: (lease: string) => boolean): string[] {
    const keys = new Set<string>();
    for (const [key, entry] of this.#parts.state.entries)
      if (entry.lease !== undefined && matches(entry.lease)) keys.add(key);
    for (const [key, { entry }] of this.#pending) {
      if (entry?.lease !== undefined && matches(entry.lease)) keys.add(key);
      else keys.delete(key);
    }
    return [...keys];
  }

  /** Refuses calls once closed. A write failure refuses only writes (see `#commit`). */
  #check(options?: StoreCallOptions): void {
    if (this.#closed)
      throw new MeshError("FAILED_PRECONDITION", `the embedded store ${this.#parts.dir} is closed`);
    throwIfAborted(options?.signal);
  }
}

/** Narrows a one-key commit outcome to a put/delete outcome. */
function single(key: string, outcome: CommitOutcome): KvPutOutcome {
  return outcome.ok ? outcome : { ok: false, current: outcome.current.get(key) };
}
