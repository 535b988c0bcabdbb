import type { InstanceRecord, InstanceStats } from "@modelmesh/core";
import type { MeshContext } from "../mesh-context.js";

/** Bytes per cache unit (the records count capacity in 8 KiB units). */
const UNIT_BYTES = 8192;

/** All zeros: what an instance reports once it shut down. */
export const ZERO_INSTANCE_STATS: InstanceStats = {
  lruMs: 0,
  lruAgeMs: 0,
  capacityBytes: 0,
  usedBytes: 0,
  modelCount: 0,
};

/** The instance gauges' values from the record this instance publishes. */
export function instanceStatsOf(record: InstanceRecord, nowMs: number): InstanceStats {
  const lruMs = record.count > 0 ? record.lruTimeMs : 0;
  return {
    lruMs,
    lruAgeMs: lruMs > 0 ? Math.max(0, nowMs - lruMs) : 0,
    capacityBytes: record.capacityUnits * UNIT_BYTES,
    usedBytes: record.usedUnits * UNIT_BYTES,
    modelCount: record.count,
  };
}

/** Reports the instance gauges from `record` (each record publish and janitor run). */
export function reportInstanceStats(ctx: MeshContext, record: InstanceRecord): void {
  if (!ctx.metrics.enabled) return;
  ctx.metrics.instanceStats(instanceStatsOf(record, ctx.clock.nowMs()));
}
