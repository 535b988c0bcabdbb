/**
 * The life of a cache entry (§6.1):
 *
 * `NEW → QUEUED → (WAITING →) LOADING → SIZING → ACTIVE`, plus `FAILED` and `REMOVED`.
 *
 * - NEW: a weight-1 placeholder was inserted (the registry write comes next).
 * - QUEUED: the load waits in the server's loading queue.
 * - WAITING: the load may start only once evicted models finish unloading (§4.4).
 * - LOADING: the runtime is loading it; its space is claimed.
 * - SIZING: loaded and servable; the runtime is measuring its size.
 * - ACTIVE: loaded and sized.
 * - FAILED: the load failed; the entry weighs 1 unit so requests here fail fast (§4.1).
 * - REMOVED: evicted or removed; it is no longer in the cache.
 */
export type CacheEntryState =
  | { readonly kind: "NEW"; readonly sinceMs: number }
  | { readonly kind: "QUEUED"; readonly sinceMs: number }
  | { readonly kind: "WAITING"; readonly sinceMs: number }
  | { readonly kind: "LOADING"; readonly sinceMs: number }
  | { readonly kind: "SIZING"; readonly sinceMs: number }
  | { readonly kind: "ACTIVE"; readonly sinceMs: number }
  | { readonly kind: "FAILED"; readonly sinceMs: number; readonly message: string }
  | { readonly kind: "REMOVED"; readonly sinceMs: number };

/** The name of a {@link CacheEntryState}. */
export type CacheEntryStateKind = CacheEntryState["kind"];

const NEXT_STATES: Readonly<Record<CacheEntryStateKind, readonly CacheEntryStateKind[]>> = {
  NEW: ["QUEUED", "FAILED", "REMOVED"],
  QUEUED: ["WAITING", "LOADING", "FAILED", "REMOVED"],
  WAITING: ["LOADING", "FAILED", "REMOVED"],
  LOADING: ["SIZING", "ACTIVE", "FAILED", "REMOVED"],
  // A sizing error keeps the predicted weight and still makes the entry ACTIVE (§4.3 step 5).
  SIZING: ["ACTIVE", "REMOVED"],
  ACTIVE: ["REMOVED"],
  FAILED: ["REMOVED"],
  REMOVED: [],
};

/** True when an entry in state `from` may move to state `to`. */
export function canTransition(from: CacheEntryStateKind, to: CacheEntryStateKind): boolean {
  return NEXT_STATES[from].includes(to);
}

/**
 * True for states whose space is requested but not yet claimed (NEW, QUEUED, WAITING): the
 * weight is borrowed from the unload buffer and nothing is in runtime memory yet.
 */
export function isPendingLoad(kind: CacheEntryStateKind): boolean {
  return kind === "NEW" || kind === "QUEUED" || kind === "WAITING";
}

/** True for states whose model occupies runtime memory (LOADING, SIZING, ACTIVE): removal unloads. */
export function holdsRuntimeMemory(kind: CacheEntryStateKind): boolean {
  return kind === "LOADING" || kind === "SIZING" || kind === "ACTIVE";
}

/** True when requests can be served from the entry (SIZING, ACTIVE). */
export function isServable(kind: CacheEntryStateKind): boolean {
  return kind === "SIZING" || kind === "ACTIVE";
}

/** True when loading has finished, well or badly (SIZING, ACTIVE, FAILED): the original's "done". */
export function isFinished(kind: CacheEntryStateKind): boolean {
  return kind === "SIZING" || kind === "ACTIVE" || kind === "FAILED";
}
