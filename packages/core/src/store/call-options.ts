/**
 * The part of the standard `AbortSignal` the store port relies on. The core has no DOM or Node
 * types, so it names the shape; Node's and the web's `AbortSignal` both fit it.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: "abort", listener: () => void, options?: { readonly once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

/**
 * Cancellation and deadline of one store call. Every call is bounded: when `timeoutMs` is not
 * given the adapter applies its default request timeout (10 s, as the original's etcd client).
 */
export interface StoreCallOptions {
  /** Cancels the call; it then rejects with a `MeshError` of code `CANCELLED`. */
  readonly signal?: AbortSignalLike;
  /**
   * Deadline of the whole call in milliseconds, retries included. When it passes the call rejects
   * with `STORE_UNAVAILABLE` (retryable): for a write, its outcome is then unknown and the caller
   * must re-read before deciding again (§1.6 of the behaviour reference).
   */
  readonly timeoutMs?: number;
}
