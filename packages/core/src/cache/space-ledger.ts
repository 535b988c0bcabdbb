/**
 * The space accounting of the cache with its unload buffer (§4.4), as pure functions over a
 * small immutable value. It reproduces the original's ModelCacheUnloadBufManager with explicit
 * quantities instead of one signed "unloading weight":
 *
 * - `balance = unloading − pending − deficit` is the original's `totalUnloadingWeight`: evictions
 *   raise it, space lent to loads that have not started (pending) and over-allocation after
 *   sizing (deficit) lower it;
 * - the buffer occupies `min(capacity, max(reserve, balance))`, so up to `reserve` units of
 *   evicted models may still be unloading without blocking new loads;
 * - entries plus buffer must fit in the capacity; the cache evicts to keep it so.
 *
 * All quantities are in 8 KiB units.
 */
export interface SpaceLedger {
  /** Total runtime capacity, buffer included; shrinks when an unload finally fails. */
  readonly capacityUnits: number;
  /** Space reserved for unloads in flight (R). */
  readonly reserveUnits: number;
  /** Sum of all entry weights. */
  readonly entriesUnits: number;
  /** Part of `entriesUnits` requested by loads that have not started (borrowed). */
  readonly pendingUnits: number;
  /** Weight of removed models whose unload has not completed. */
  readonly unloadingUnits: number;
  /** Over-allocation after a model sized larger than predicted; repaid by later frees. */
  readonly deficitUnits: number;
}

/** An empty ledger. */
export function createSpaceLedger(capacityUnits: number, reserveUnits: number): SpaceLedger {
  return {
    capacityUnits,
    reserveUnits,
    entriesUnits: 0,
    pendingUnits: 0,
    unloadingUnits: 0,
    deficitUnits: 0,
  };
}

/** The original's signed `totalUnloadingWeight`. */
export function balanceUnits(ledger: SpaceLedger): number {
  return ledger.unloadingUnits - ledger.pendingUnits - ledger.deficitUnits;
}

/** Current weight of the unload buffer (the original's pinned `___UNLOADBUF` entry). */
export function bufferUnits(ledger: SpaceLedger): number {
  return Math.min(ledger.capacityUnits, Math.max(ledger.reserveUnits, balanceUnits(ledger)));
}

/** How far entries plus buffer exceed the capacity (≤ 0 when they fit). */
export function overflowUnits(ledger: SpaceLedger): number {
  return ledger.entriesUnits + bufferUnits(ledger) - ledger.capacityUnits;
}

/**
 * The "may this load start now" check (§4.4): the load's `units` fit once unloads in flight are
 * counted, either inside the reserve or in the whole capacity.
 */
export function canClaim(ledger: SpaceLedger, units: number): boolean {
  const balance = balanceUnits(ledger) + units;
  return balance <= ledger.reserveUnits || balance + ledger.entriesUnits <= ledger.capacityUnits;
}

/** A new or growing load requests `units` more (borrowed until it starts). */
export function requestUnits(ledger: SpaceLedger, units: number): SpaceLedger {
  return { ...ledger, entriesUnits: ledger.entriesUnits + units, pendingUnits: ledger.pendingUnits + units };
}

/** A load starts: its requested `units` are no longer borrowed. */
export function claimUnits(ledger: SpaceLedger, units: number): SpaceLedger {
  return { ...ledger, pendingUnits: ledger.pendingUnits - units };
}

/**
 * A loaded model grows by `units`; whatever exceeds the free space becomes deficit (§4.3 step 5)
 * and is taken from the buffer, so older entries are evicted only if the buffer cannot cover it.
 */
export function growLoadedUnits(ledger: SpaceLedger, units: number): SpaceLedger {
  const free = Math.max(0, ledger.capacityUnits - ledger.entriesUnits - bufferUnits(ledger));
  return {
    ...ledger,
    entriesUnits: ledger.entriesUnits + units,
    deficitUnits: ledger.deficitUnits + Math.max(0, units - free),
  };
}

/** A loaded entry shrinks by `units`: the freed space repays the deficit first. */
export function shrinkLoadedUnits(ledger: SpaceLedger, units: number): SpaceLedger {
  return { ...repayDeficit(ledger, units), entriesUnits: ledger.entriesUnits - units };
}

/** What leaves the cache when an entry is removed or evicted. */
export interface Departure {
  /** The entry's weight. */
  readonly weightUnits: number;
  /** The part of it still borrowed (not started). */
  readonly pendingUnits: number;
  /** True when the model must be unloaded from the runtime (its space stays taken until then). */
  readonly unload: boolean;
}

/** An entry leaves: borrowed space is returned, claimed space starts unloading or is freed. */
export function departUnits(ledger: SpaceLedger, departure: Departure): SpaceLedger {
  const claimed = departure.weightUnits - departure.pendingUnits;
  const base: SpaceLedger = {
    ...ledger,
    entriesUnits: ledger.entriesUnits - departure.weightUnits,
    pendingUnits: ledger.pendingUnits - departure.pendingUnits,
  };
  return departure.unload
    ? { ...base, unloadingUnits: base.unloadingUnits + claimed }
    : repayDeficit(base, claimed);
}

/**
 * An unload of `units` finished. Success frees the space (repaying any deficit first); a final
 * failure leaves the memory taken for good, so the capacity shrinks by `units` (never below 1).
 */
export function finishUnloadUnits(ledger: SpaceLedger, units: number, succeeded: boolean): SpaceLedger {
  const base = { ...ledger, unloadingUnits: ledger.unloadingUnits - units };
  return succeeded
    ? repayDeficit(base, units)
    : { ...base, capacityUnits: Math.max(1, base.capacityUnits - units) };
}

/**
 * Converts an overflow into deficit where the buffer holds more than its reserve (so shrinking the
 * buffer, not evicting, makes room). Used where the original never evicts (failed placeholders).
 */
export function absorbOverflow(ledger: SpaceLedger): SpaceLedger {
  const overflow = overflowUnits(ledger);
  const surplus = balanceUnits(ledger) - ledger.reserveUnits;
  if (overflow <= 0 || surplus <= 0) return ledger;
  return { ...ledger, deficitUnits: ledger.deficitUnits + Math.min(overflow, surplus) };
}

function repayDeficit(ledger: SpaceLedger, units: number): SpaceLedger {
  const repaid = Math.min(Math.max(0, units), ledger.deficitUnits);
  return repaid === 0 ? ledger : { ...ledger, deficitUnits: ledger.deficitUnits - repaid };
}
