import { cancelledError, MeshError, type StoreCallOptions } from "@modelmesh/core";

/** Default deadline of one call: 10 s, as the etcd adapter. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * Waits for `work`, but no longer than the call's deadline and not after its signal aborts. The
 * work itself goes on (a queued commit cannot be taken back): the caller learns that its outcome
 * is unknown (`STORE_UNAVAILABLE`) or that it gave up (`CANCELLED`).
 */
export async function withDeadline<T>(work: Promise<T>, options: StoreCallOptions = {}): Promise<T> {
  const { signal } = options;
  if (signal?.aborted) throw cancelledError(signal);
  const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new MeshError("STORE_UNAVAILABLE", `the embedded store did not answer within ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
    onAbort = () => reject(cancelledError(signal));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
  }
}
