import type { InstanceRecord } from "../records/types.js";
import { compareOrderKeys, type OrderContext, type OrderKey, orderKey } from "./placement-order.js";
import { isFull, type PlacementEntry } from "./types.js";

/** Options for {@link createInstanceTable}. */
export interface InstanceTableOptions {
  /** Live instance records by id. Records with `shutdown` are treated as absent (§1.4). Not copied: never mutate it afterwards. */
  readonly records: ReadonlyMap<string, InstanceRecord>;
  /** This instance's id; its published record is replaced by the fresh one at each placement. */
  readonly selfId: string;
  /** "Full" threshold in units (§4.2), computed by the cache. */
  readonly minSpaceUnits: number;
  /** Churn age in ms (§4.5). */
  readonly minChurnAgeMs: number;
}

/**
 * An immutable snapshot of the instance table prepared for placement: build a new one when
 * the table (or the thresholds) change, the way the original kept its sorted `clusterState`.
 * The placement order of the other instances is sorted once and reused until time changes
 * it (a full newer-version instance's LRU entry growing older than `2 × minChurnAgeMs`).
 */
export interface InstanceTable {
  readonly records: ReadonlyMap<string, InstanceRecord>;
  readonly selfId: string;
  readonly minSpaceUnits: number;
  readonly minChurnAgeMs: number;
  /** True when `id` has a record that is not shutting down. */
  has(id: string): boolean;
  /** Every instance but this one, not shutting down, in placement order at `nowMs`. */
  othersInOrder(nowMs: number): readonly PlacementEntry[];
}

interface SortedOrder {
  readonly entries: readonly PlacementEntry[];
  /** The order holds for `validAfterMs < now ≤ validUntilMs`. */
  readonly validAfterMs: number;
  readonly validUntilMs: number;
}

/**
 * The times at which the version rule of the order flips: for a full instance, when its LRU
 * age passes `2 × minChurnAgeMs`. With a single version in the table nothing ever flips.
 */
function validity(entries: readonly PlacementEntry[], ctx: OrderContext): [number, number] {
  const versions = new Set(entries.map((e) => e.record.version));
  let after = Number.NEGATIVE_INFINITY;
  let until = Number.POSITIVE_INFINITY;
  if (versions.size < 2) return [after, until];
  for (const { record } of entries) {
    if (!isFull(record, ctx.minSpaceUnits) || record.lruTimeMs === 0) continue;
    const flipMs = record.lruTimeMs + 2 * ctx.minChurnAgeMs;
    if (flipMs < ctx.nowMs) after = Math.max(after, flipMs);
    else until = Math.min(until, flipMs);
  }
  return [after, until];
}

function sortOthers(options: InstanceTableOptions, nowMs: number): SortedOrder {
  const ctx: OrderContext = {
    minSpaceUnits: options.minSpaceUnits,
    minChurnAgeMs: options.minChurnAgeMs,
    nowMs,
  };
  const keys: OrderKey[] = [];
  for (const [id, record] of options.records) {
    if (id !== options.selfId && !record.shutdown) keys.push(orderKey({ id, record }, ctx));
  }
  keys.sort(compareOrderKeys);
  const entries = keys.map((k) => k.entry);
  const [validAfterMs, validUntilMs] = validity(entries, ctx);
  return { entries, validAfterMs, validUntilMs };
}

/** Builds an {@link InstanceTable}. Sorting happens lazily, on the first placement. */
export function createInstanceTable(options: InstanceTableOptions): InstanceTable {
  let sorted: SortedOrder | undefined;
  return {
    records: options.records,
    selfId: options.selfId,
    minSpaceUnits: options.minSpaceUnits,
    minChurnAgeMs: options.minChurnAgeMs,
    has(id) {
      const record = options.records.get(id);
      return record !== undefined && !record.shutdown;
    },
    othersInOrder(nowMs) {
      if (sorted === undefined || nowMs <= sorted.validAfterMs || nowMs > sorted.validUntilMs) {
        sorted = sortOthers(options, nowMs);
      }
      return sorted.entries;
    },
  };
}
