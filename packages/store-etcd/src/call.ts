import { cancelledError, type MeshError, type StoreCallOptions, throwIfAborted } from "@modelmesh/core";
import { translateEtcdError } from "./errors.js";

/** Retry and deadline settings of an adapter. */
export interface CallPolicy {
  /** Deadline of a call when the caller gives none. */
  readonly defaultTimeoutMs: number;
}

/** Options of {@link runEtcdCall}. */
export interface RunEtcdCallOptions extends StoreCallOptions {
  /** Names the operation in error messages. */
  readonly what: string;
  /**
   * Reads and watches may be retried after any transient failure; writes only when the request
   * certainly never left (an open circuit breaker, or no answer to the liveness check sent before
   * every write). A write that may have applied is never resent: its caller reads again and
   * decides.
   */
  readonly idempotent: boolean;
}

const MAX_ATTEMPTS = 6;

/**
 * Runs one etcd call within the caller's deadline, retrying transient failures with exponential
 * backoff (50 ms doubling to 1 s, with jitter) when that is safe, and translating failures into
 * `MeshError`s. `call` receives the absolute gRPC deadline (epoch ms).
 */
export async function runEtcdCall<T>(
  policy: CallPolicy,
  call: (deadlineMs: number) => Promise<T>,
  options: RunEtcdCallOptions,
): Promise<T> {
  const { signal } = options;
  throwIfAborted(signal);
  const deadlineMs = Date.now() + (options.timeoutMs ?? policy.defaultTimeoutMs);
  for (let attempt = 1; ; attempt++) {
    let failure: MeshError;
    try {
      return await abortable(call(deadlineMs), signal);
    } catch (error) {
      if (signal?.aborted) throw cancelledError(signal);
      const translated = translateEtcdError(error, options.what);
      failure = translated.error;
      const retryable = failure.code === "STORE_UNAVAILABLE" && (options.idempotent || translated.notSent);
      if (!retryable || attempt >= MAX_ATTEMPTS) throw failure;
    }
    const delayMs = Math.min(1_000, 50 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
    if (Date.now() + delayMs >= deadlineMs) throw failure;
    await sleep(delayMs, signal);
  }
}

/** Rejects with `CANCELLED` as soon as `signal` aborts; the call itself runs on to its deadline. */
function abortable<T>(work: Promise<T>, signal: StoreCallOptions["signal"]): Promise<T> {
  if (signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelledError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Waits `ms`, or rejects with `CANCELLED` when the signal aborts first. */
export function sleep(ms: number, signal?: StoreCallOptions["signal"]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelledError(signal));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
