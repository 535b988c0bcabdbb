import type { InstanceRecord } from "../records/types.js";
import { ageMs, isFull, type PlacementEntry, remainingUnits } from "./types.js";

/** What the placement order depends on besides the records. */
export interface OrderContext {
  /** "Full" threshold in units (§4.2). */
  readonly minSpaceUnits: number;
  /** Churn age (§4.5); a full newer-version instance keeps its precedence only when its LRU entry is older than twice this. */
  readonly minChurnAgeMs: number;
  /** Current time, epoch ms. */
  readonly nowMs: number;
}

/**
 * Whether a newer-version instance goes first (§3.1 rule 2): when it is not full, or its
 * least recently used entry is older than `2 × minChurnAgeMs`, so a new load there evicts
 * something old enough. The original compared the LRU *timestamp* with the duration, which
 * always passed (§15.4 item 2); we compare its age, as the rule evidently intended.
 */
export function newerVersionFirst(newer: InstanceRecord, ctx: OrderContext): boolean {
  if (!isFull(newer, ctx.minSpaceUnits)) return true;
  return ageMs(newer.lruTimeMs, ctx.nowMs) > 2 * ctx.minChurnAgeMs;
}

function compareText(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1; // absent last
  if (b === undefined) return -1;
  return a < b ? -1 : 1;
}

function compareLabels(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareText(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** Rule 8 of §3.1: tie-breakers, so that distinct records never compare equal. */
function compareTieBreakers(e1: PlacementEntry, e2: PlacementEntry): number {
  const r1 = e1.record;
  const r2 = e2.record;
  const freeSlots = r2.loadingThreads - r2.loadsInProgress - (r1.loadingThreads - r1.loadsInProgress);
  if (freeSlots !== 0) return freeSlots;
  if (r1.loadsInProgress !== r2.loadsInProgress) return r1.loadsInProgress - r2.loadsInProgress;
  if (r1.capacityUnits !== r2.capacityUnits) return r2.capacityUnits - r1.capacityUnits;
  if (r1.rpm !== r2.rpm) return r1.rpm - r2.rpm;
  const byId = compareText(e1.id, e2.id);
  if (byId !== 0) return byId;
  return (
    compareText(r1.location, r2.location) ||
    compareText(r1.zone, r2.zone) ||
    compareLabels(r1.labels, r2.labels)
  );
}

/**
 * The facts of one instance the order compares, computed once per sort: the time-dependent
 * version rule and fullness are per record, so a sort need not recompute them per comparison.
 */
export interface OrderKey {
  readonly entry: PlacementEntry;
  readonly full: boolean;
  readonly remaining: number;
  /** {@link newerVersionFirst} of this record at the sort's time. */
  readonly versionPrecedence: boolean;
}

/** Computes the {@link OrderKey} of an entry. */
export function orderKey(entry: PlacementEntry, ctx: OrderContext): OrderKey {
  return {
    entry,
    full: isFull(entry.record, ctx.minSpaceUnits),
    remaining: remainingUnits(entry.record),
    versionPrecedence: newerVersionFirst(entry.record, ctx),
  };
}

/** {@link comparePlacementOrder} on precomputed keys. */
export function compareOrderKeys(k1: OrderKey, k2: OrderKey): number {
  const r1 = k1.entry.record;
  const r2 = k2.entry.record;
  if (r1.shutdown !== r2.shutdown) return r1.shutdown ? 1 : -1;
  if (r1.version > r2.version && k1.versionPrecedence) return -1;
  if (r2.version > r1.version && k2.versionPrecedence) return 1;
  if (k1.full !== k2.full) return k1.full ? 1 : -1;
  if (k1.full && r1.lruTimeMs !== r2.lruTimeMs) return r1.lruTimeMs < r2.lruTimeMs ? -1 : 1;
  if (r1.count !== r2.count) return r1.count - r2.count;
  if (k1.remaining !== k2.remaining) return k2.remaining - k1.remaining;
  if (!k1.full && r1.lruTimeMs !== r2.lruTimeMs) return r1.lruTimeMs < r2.lruTimeMs ? -1 : 1;
  return compareTieBreakers(k1.entry, k2.entry);
}

/**
 * The placement order of §3.1 ("desirability for new placements"), first difference wins:
 * not shutting down; newer version (see {@link newerVersionFirst}); non-full before full;
 * both full → older LRU first; fewer models; more free units; both non-full → older LRU
 * first; then the tie-breakers. Negative when `e1` is more desirable.
 */
export function comparePlacementOrder(e1: PlacementEntry, e2: PlacementEntry, ctx: OrderContext): number {
  return compareOrderKeys(orderKey(e1, ctx), orderKey(e2, ctx));
}

/** The ordering as a named, explainable policy. */
export const placementOrderPolicy = {
  name: "placement-order",
  compare: comparePlacementOrder,
  /** Describes the facts the order used for one instance. */
  explain(entry: PlacementEntry, rank: number, ctx: OrderContext): string {
    const r = entry.record;
    const full = isFull(r, ctx.minSpaceUnits) ? "full" : "not full";
    const lru = r.count === 0 ? "empty" : `LRU age ${ageMs(r.lruTimeMs, ctx.nowMs)} ms`;
    return `rank ${rank}: version ${r.version}, ${full} (${remainingUnits(r)} units free), ${r.count} models, ${lru}`;
  },
} as const;
