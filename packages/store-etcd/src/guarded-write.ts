import { type AbortSignalLike, cancelledError } from "@modelmesh/core";
import { castGrpcError, EtcdInvalidAuthTokenError, type ITxnRequest, type ITxnResponse } from "etcd3";
import type { AdapterEtcd3, UnaryMethod } from "./etcd-client.js";

/** The key the liveness check counts (never written; the start-up connection check reads it too). */
export const LIVENESS_KEY = "/__DUMMY_KEY_FOR_TESTING_CONNECTION";

/**
 * A write was not sent: etcd did not answer the liveness check first (or the caller gave up
 * before it did). The write can therefore never be applied, and may be sent again.
 */
export class WriteNotSentError extends Error {
  constructor(cause: unknown) {
    super("write not sent: etcd did not answer first", { cause });
    this.name = "WriteNotSentError";
  }
}

/** Options of {@link sendGuardedTxn}. */
export interface GuardedTxnOptions {
  readonly client: AdapterEtcd3;
  /** {@link LIVENESS_KEY} encoded with the store's root prefix. */
  readonly livenessKey: Buffer;
  /** Absolute gRPC deadline (epoch ms) of both the check and the transaction. */
  readonly deadlineMs: number;
  readonly signal?: AbortSignalLike | undefined;
  readonly request: ITxnRequest;
  /** When each connection last answered; a recent answer stands in for the liveness check. */
  readonly answers: RecentAnswers;
}

/**
 * How recently a connection must have answered for a write to go out without the liveness check
 * first, ms. Back-to-back writes (a read-modify-write, a burst of updates) then cost one round trip
 * each instead of two, and a write can reach an etcd that froze only if it froze within this long
 * of its last answer.
 */
export const FRESH_ANSWER_MS = 50;

/**
 * When each etcd connection (a generated service client: the pool makes a new one after a
 * connection failure) last answered a guarded call. Per store; clients it no longer uses are
 * forgotten with them.
 */
export class RecentAnswers {
  readonly #at = new WeakMap<object, number>();

  /** Notes an answer on `connection` now. */
  saw(connection: object): void {
    this.#at.set(connection, performance.now());
  }

  /** Forgets `connection`'s last answer (a call on it failed). */
  forget(connection: object): void {
    this.#at.delete(connection);
  }

  /** True when `connection` answered within the last {@link FRESH_ANSWER_MS}. */
  fresh(connection: object): boolean {
    const at = this.#at.get(connection);
    return at !== undefined && performance.now() - at < FRESH_ANSWER_MS;
  }
}

/**
 * Sends a transaction (every write of the adapter is one) only once etcd has just answered over
 * the same channel to the same member: within the last {@link FRESH_ANSWER_MS}, or else a cheap
 * read sent first (a serializable count of {@link LIVENESS_KEY}, which the member answers
 * locally).
 *
 * Why: a frozen etcd (SIGSTOP, a stalled VM) still accepts bytes into its socket buffers, and
 * when it resumes it reads and applies them even though their caller's deadline passed long ago,
 * so a caller told "unavailable" would find its write applied later. With the check first, a
 * write issued while etcd is frozen stays in this process and fails with
 * {@link WriteNotSentError} at its deadline; only a member that freezes within
 * {@link FRESH_ANSWER_MS} of its last answer can still apply a write late. If the caller aborts
 * while the check runs, the write is not sent either.
 */
export async function sendGuardedTxn(options: GuardedTxnOptions): Promise<ITxnResponse> {
  try {
    return await guardedOnce(options);
  } catch (error) {
    if (!(error instanceof WriteNotSentError && error.cause instanceof EtcdInvalidAuthTokenError))
      throw error;
  }
  // The auth token expired. The client's own read renews it (and is a liveness check too).
  const { client, livenessKey, deadlineMs } = options;
  try {
    await client.kv.range(
      { key: livenessKey, count_only: true, serializable: true },
      { deadline: deadlineMs },
    );
  } catch (error) {
    throw new WriteNotSentError(error);
  }
  return guardedOnce(options);
}

async function guardedOnce(options: GuardedTxnOptions): Promise<ITxnResponse> {
  const { client, livenessKey, deadlineMs, signal, request, answers } = options;
  let sent = false;
  try {
    // Failures are thrown inside the pool's call, so its circuit breaker counts them as usual.
    return await client.connections.withConnection("KV", async ({ client: kv, metadata }) => {
      try {
        if (!answers.fresh(kv)) {
          const check = { key: livenessKey, count_only: true, serializable: true };
          await unary(kv.range.bind(kv), check, metadata, deadlineMs);
        }
        if (signal?.aborted) throw cancelledError(signal);
        sent = true;
        const response = await unary(kv.txn.bind(kv), request, metadata, deadlineMs);
        answers.saw(kv);
        return response;
      } catch (error) {
        answers.forget(kv);
        throw error;
      }
    });
  } catch (error) {
    throw sent ? error : new WriteNotSentError(error);
  }
}

/** One unary call on a generated client, its failure cast to the etcd3 error classes. */
function unary<Request, Response>(
  method: UnaryMethod<Request, Response>,
  request: Request,
  metadata: object,
  deadline: number,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    method(request, metadata, { deadline }, (error, value) => {
      if (error) reject(castGrpcError(error));
      else if (value === undefined) reject(new Error("etcd sent no response"));
      else resolve(value);
    });
  });
}
