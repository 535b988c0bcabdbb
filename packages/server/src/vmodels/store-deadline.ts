import { MeshError, type StoreCallOptions } from "@modelmesh/core";

/**
 * Spreads one store budget over the several reads and transactions of a vmodel operation: each
 * call gets what is left of `call.timeoutMs` (measured from now), and once it is spent the
 * operation fails with UNAVAILABLE like any store call out of time.
 */
export function storeDeadline(call: StoreCallOptions): () => StoreCallOptions {
  if (call.timeoutMs === undefined) return () => call;
  const until = Date.now() + call.timeoutMs;
  return () => {
    const left = until - Date.now();
    if (left <= 0) throw new MeshError("STORE_UNAVAILABLE", "the KV store did not answer in time");
    return { ...call, timeoutMs: left };
  };
}
