import type { InstanceRecord } from "../records/types.js";
import type { InstanceTable } from "./instance-table.js";
import { compareOrderKeys, type OrderContext, orderKey } from "./placement-order.js";
import type { PlacementEntry } from "./types.js";

/** Every placement candidate in order, this instance included with its fresh record. */
export interface OrderedView {
  readonly length: number;
  /** The entry at `rank` (0 ≤ rank < length). */
  at(rank: number): PlacementEntry;
}

/**
 * Merges this instance, judged by its fresh record, into the table's cached order of the
 * others with a binary search, so a placement costs no sort and no copy of the table.
 * Without a fresh record the published one is used; a shutting-down self is left out.
 */
export function createOrderedView(
  table: InstanceTable,
  selfRecord: InstanceRecord | undefined,
  nowMs: number,
): OrderedView {
  const others = table.othersInOrder(nowMs);
  const record = selfRecord ?? table.records.get(table.selfId);
  if (record === undefined || record.shutdown) {
    return { length: others.length, at: (rank) => others[rank] as PlacementEntry };
  }
  const self: PlacementEntry = { id: table.selfId, record };
  const ctx: OrderContext = { minSpaceUnits: table.minSpaceUnits, minChurnAgeMs: table.minChurnAgeMs, nowMs };
  const selfKey = orderKey(self, ctx);
  let low = 0;
  let high = others.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareOrderKeys(orderKey(others[mid] as PlacementEntry, ctx), selfKey) < 0) low = mid + 1;
    else high = mid;
  }
  const selfRank = low;
  return {
    length: others.length + 1,
    at: (rank) =>
      (rank < selfRank ? others[rank] : rank === selfRank ? self : others[rank - 1]) as PlacementEntry,
  };
}
