import {
  assertExpectedRevision,
  assertValidKey,
  assertValidTransaction,
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
} from "@modelmesh/core";
import type { ICompare, IRequestOp, ITxnResponse } from "etcd3";
import { type CallPolicy, runEtcdCall } from "./call.js";
import type { AdapterEtcd3 } from "./etcd-client.js";
import { openEtcdSession } from "./etcd-session.js";
import { startPrefixWatch } from "./etcd-watch.js";
import { LIVENESS_KEY, RecentAnswers, sendGuardedTxn } from "./guarded-write.js";
import type { KeyCodec } from "./keys.js";
import { rangeAll, toKvEntry } from "./range-all.js";

/** What an {@link EtcdKvStore} is built from. @internal */
export interface EtcdStoreParts {
  readonly client: AdapterEtcd3;
  readonly keys: KeyCodec;
  readonly policy: CallPolicy;
  /** Keys per range page. */
  readonly pageSize: number;
  readonly defaultSessionTtlMs: number;
  readonly logger: Logger;
}

/**
 * The {@link KvStore} port on etcd. Conditional writes are one etcd transaction each: compare the
 * key's mod revision, then put or delete, else read the key (so a conflict costs no extra round
 * trip). Reads and watches are retried on transient failures within the caller's deadline;
 * writes are not (see `runEtcdCall`). No etcd3 type leaves this class.
 */
export class EtcdKvStore implements KvStore {
  readonly kind = "etcd";
  readonly #parts: EtcdStoreParts;
  readonly #watches = new Set<KvWatch>();
  readonly #sessions = new Set<KvSession>();
  readonly #answers = new RecentAnswers();
  #closed = false;

  constructor(parts: EtcdStoreParts) {
    this.#parts = parts;
  }

  async get(key: string, options?: StoreCallOptions): Promise<KvEntry | undefined> {
    this.#checkOpen();
    assertValidKey(key);
    const { client, keys, policy } = this.#parts;
    const response = await runEtcdCall(
      policy,
      (deadline) => client.kv.range({ key: keys.encode(key) }, { deadline }),
      {
        ...options,
        what: `read of ${key}`,
        idempotent: true,
      },
    );
    const kv = response.kvs[0];
    return kv === undefined ? undefined : toKvEntry(keys, kv);
  }

  async range(prefix: string, options?: StoreCallOptions): Promise<KvRange> {
    this.#checkOpen();
    assertValidKey(prefix);
    const { client, keys, pageSize } = this.#parts;
    return runEtcdCall(
      this.#parts.policy,
      (deadlineMs) => rangeAll({ client, keys, prefix, pageSize, deadlineMs }),
      {
        ...options,
        what: `read of ${prefix}`,
        idempotent: true,
      },
    );
  }

  putIfRevision(request: KvPutRequest, options?: StoreCallOptions): Promise<KvPutOutcome> {
    return this.putWithLease(request, undefined, options);
  }

  /** A conditional put, bound to `lease` when given (used by sessions). */
  async putWithLease(
    request: KvPutRequest,
    lease: string | undefined,
    options?: StoreCallOptions,
  ): Promise<KvPutOutcome> {
    this.#checkOpen();
    assertValidKey(request.key);
    assertExpectedRevision(request.expectedRevision, { allowZero: true, key: request.key });
    const key = this.#parts.keys.encode(request.key);
    const put = { key, value: Buffer.from(request.value, "utf8"), ...(lease === undefined ? {} : { lease }) };
    const response = await this.#txn(
      {
        compares: [modEquals(key, request.expectedRevision)],
        success: [{ request_put: put }],
        failure: [{ request_range: { key } }],
      },
      { ...options, what: `write of ${request.key}` },
    );
    return this.#singleOutcome(response);
  }

  async deleteIfRevision(request: KvDeleteRequest, options?: StoreCallOptions): Promise<KvDeleteOutcome> {
    this.#checkOpen();
    assertValidKey(request.key);
    assertExpectedRevision(request.expectedRevision, { allowZero: false, key: request.key });
    const key = this.#parts.keys.encode(request.key);
    const response = await this.#txn(
      {
        compares: [modEquals(key, request.expectedRevision)],
        success: [{ request_delete_range: { key } }],
        failure: [{ request_range: { key } }],
      },
      { ...options, what: `delete of ${request.key}` },
    );
    return this.#singleOutcome(response);
  }

  async transaction(transaction: KvTransaction, options?: StoreCallOptions): Promise<KvTransactionOutcome> {
    this.#checkOpen();
    assertValidTransaction(transaction);
    const { keys } = this.#parts;
    const compared = transaction.compares.map((c) => ({
      name: c.key,
      key: keys.encode(c.key),
      expected: c.expectedRevision,
    }));
    const success: IRequestOp[] = transaction.writes.map((write) =>
      write.type === "put"
        ? { request_put: { key: keys.encode(write.key), value: Buffer.from(write.value, "utf8") } }
        : { request_delete_range: { key: keys.encode(write.key) } },
    );
    const response = await this.#txn(
      {
        compares: compared.map((c) => modEquals(c.key, c.expected)),
        success,
        failure: compared.map((c) => ({ request_range: { key: c.key } })),
      },
      { ...options, what: "transaction" },
    );
    if (response.succeeded) return { ok: true, revision: Number(response.header.revision) };
    const current = new Map<string, KvEntry | undefined>();
    compared.forEach((c, index) => {
      const kv = response.responses[index]?.response_range.kvs[0];
      current.set(c.name, kv === undefined ? undefined : toKvEntry(keys, kv));
    });
    return { ok: false, current };
  }

  watch(prefix: string, listener: KvWatchListener): KvWatch {
    this.#checkOpen();
    const { client, keys, pageSize, logger, policy } = this.#parts;
    const inner = startPrefixWatch({
      client,
      keys,
      prefix,
      listener,
      logger,
      pageSize,
      requestTimeoutMs: policy.defaultTimeoutMs,
    });
    const watch: KvWatch = {
      close: () => {
        this.#watches.delete(watch);
        inner.close();
      },
    };
    this.#watches.add(watch);
    return watch;
  }

  async openSession(options?: KvSessionOptions): Promise<KvSession> {
    this.#checkOpen();
    const { client, policy, logger, defaultSessionTtlMs } = this.#parts;
    const session = await openEtcdSession(
      {
        client,
        policy,
        logger,
        put: (request, lease, callOptions) => this.putWithLease(request, lease, callOptions),
        deleteIfRevision: (request, callOptions) => this.deleteIfRevision(request, callOptions),
        onClosed: (closed) => this.#sessions.delete(closed),
      },
      { ttlMs: defaultSessionTtlMs, ...options },
    );
    this.#sessions.add(session);
    return session;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await Promise.all([...this.#sessions].map((session) => session.close({ timeoutMs: 2_000 })));
    this.#closed = true;
    for (const watch of [...this.#watches]) watch.close();
    this.#parts.client.close();
  }

  /** Every write is a transaction, sent only once etcd has just answered (guarded-write.ts). */
  async #txn(
    request: { compares: ICompare[]; success: IRequestOp[]; failure: IRequestOp[] },
    options: StoreCallOptions & { what: string },
  ): Promise<ITxnResponse> {
    const { client, policy, keys } = this.#parts;
    const livenessKey = keys.encode(LIVENESS_KEY);
    return runEtcdCall(
      policy,
      (deadlineMs) =>
        sendGuardedTxn({
          client,
          livenessKey,
          deadlineMs,
          signal: options.signal,
          request: { compare: request.compares, success: request.success, failure: request.failure },
          answers: this.#answers,
        }),
      { ...options, idempotent: false },
    );
  }

  #singleOutcome(response: ITxnResponse): KvPutOutcome {
    if (response.succeeded) return { ok: true, revision: Number(response.header.revision) };
    const kv = response.responses[0]?.response_range.kvs[0];
    return { ok: false, current: kv === undefined ? undefined : toKvEntry(this.#parts.keys, kv) };
  }

  #checkOpen(): void {
    if (this.#closed) throw new MeshError("FAILED_PRECONDITION", "the etcd store is closed");
  }
}

/** Compare: the key's mod revision equals `revision` (0 matches an absent key in etcd). */
function modEquals(key: Buffer, revision: number): ICompare {
  return { key, target: "Mod", result: "Equal", mod_revision: revision };
}
