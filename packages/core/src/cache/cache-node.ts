import { MeshError } from "../errors.js";
import type { CacheEntryState } from "./entry-state.js";
import type { TimeOrderedNode } from "./time-ordered-list.js";
import type { CacheEntry } from "./types.js";

/**
 * The mutable record behind a {@link CacheEntry}: the cache updates it in place and links it
 * into its time-ordered list; callers only ever see it through the read-only interface.
 */
export class CacheNode<T> implements CacheEntry<T>, TimeOrderedNode<CacheNode<T>> {
  older: CacheNode<T> | undefined;
  newer: CacheNode<T> | undefined;
  constructor(
    readonly id: string,
    readonly data: T,
    public state: CacheEntryState,
    public weightUnits: number,
    public pendingUnits: number,
    public lastUsedMs: number,
  ) {}
}

/** Checks a weight: a positive whole number of units (anything else is a caller bug). */
export function checkUnits(units: number): number {
  if (!Number.isSafeInteger(units) || units < 1) throw illegal(`use ${units} as a weight in units`);
  return units;
}

/** The error for a misuse of the cache: a bug in the caller, not a runtime condition. */
export function illegal(what: string): MeshError {
  return new MeshError("INTERNAL", `weighted LRU cache: cannot ${what}`);
}
