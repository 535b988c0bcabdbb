import type { CacheEntryState } from "./entry-state.js";
import { holdsRuntimeMemory } from "./entry-state.js";
import type { Departure, SpaceLedger } from "./space-ledger.js";
import { departUnits, overflowUnits } from "./space-ledger.js";

/** What planning needs to know about a cached entry. */
export interface PlannedNode<N> {
  readonly state: CacheEntryState;
  readonly weightUnits: number;
  readonly pendingUnits: number;
  readonly newer: N | undefined;
}

/** The entries to evict so that the cache fits, and the ledger once they are gone. */
export interface EvictionPlan<N> {
  /** Victims, oldest first. */
  readonly victims: readonly N[];
  /** The ledger after the victims left. */
  readonly ledger: SpaceLedger;
  /** True when room could only be made by evicting past the boundary (the plan is then unusable). */
  readonly blocked: boolean;
}

/**
 * Plans evictions from the oldest end until entries plus buffer fit again, without touching
 * anything. Planning first is what bounds eviction (beyond the original, see
 * docs/compatibility.md): an operation evicts only entries older than its own entry
 * (`isBoundary` marks where that ends) and stops the moment the cache fits, so it never evicts
 * more than its growth plus one entry; if that is not enough, the caller rejects the operation
 * instead of evicting anything.
 */
export function planEvictions<N extends PlannedNode<N>>(
  ledger: SpaceLedger,
  oldest: N | undefined,
  isBoundary: (node: N) => boolean,
): EvictionPlan<N> {
  const victims: N[] = [];
  let after = ledger;
  for (let node = oldest; node !== undefined && overflowUnits(after) > 0; node = node.newer) {
    if (isBoundary(node)) return { victims, ledger: after, blocked: true };
    after = departUnits(after, departureOf(node));
    victims.push(node);
  }
  return { victims, ledger: after, blocked: overflowUnits(after) > 0 };
}

/** How an entry leaving the cache changes the ledger. */
export function departureOf(node: PlannedNode<unknown>, alreadyUnloaded = false): Departure {
  return {
    weightUnits: node.weightUnits,
    pendingUnits: node.pendingUnits,
    unload: !alreadyUnloaded && holdsRuntimeMemory(node.state.kind),
  };
}
