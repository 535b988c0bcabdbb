import type { InstanceRecord, PartitionStats } from "@modelmesh/core";
import type { MeshContext } from "../mesh-context.js";
import type { TypeConstraints } from "./type-constraints.js";

/**
 * Live instance records (shutting-down ones are treated as gone, §1.4), this instance's record
 * replaced by `freshSelf` when given.
 */
export function liveInstances(
  ctx: MeshContext,
  freshSelf?: InstanceRecord,
): ReadonlyMap<string, InstanceRecord> {
  const records = new Map<string, InstanceRecord>();
  for (const [id, versioned] of ctx.instancesMirror.entries()) {
    if (!versioned.value.shutdown) records.set(id, versioned.value);
  }
  if (freshSelf !== undefined && !freshSelf.shutdown) records.set(ctx.selfId, freshSelf);
  return records;
}

/**
 * Free space and global LRU of a subset of instances (§4.7): capacities summed, full instances
 * (fewer free units than `minSpaceUnits`, §4.2) counted as having no free space.
 */
export function partitionStats(
  instances: Iterable<InstanceRecord>,
  minSpaceUnits: number,
): PartitionStats & { readonly instanceCount: number; readonly copyCount: number } {
  let totalCapacityUnits = 0;
  let totalFreeUnits = 0;
  let globalLruMs = Number.MAX_SAFE_INTEGER;
  let instanceCount = 0;
  let copyCount = 0;
  for (const record of instances) {
    if (record.shutdown) continue;
    instanceCount++;
    copyCount += record.count;
    totalCapacityUnits += record.capacityUnits;
    const free = Math.max(0, record.capacityUnits - record.usedUnits);
    if (free >= minSpaceUnits) totalFreeUnits += free;
    if (record.count > 0 && record.lruTimeMs > 0) globalLruMs = Math.min(globalLruMs, record.lruTimeMs);
  }
  return { totalCapacityUnits, totalFreeUnits, globalLruMs, instanceCount, copyCount };
}

/** The instances a model type may run on (all live ones when the type is unconstrained). */
export function suitableInstances(
  instances: ReadonlyMap<string, InstanceRecord>,
  constraints: TypeConstraints,
  modelType: string,
): InstanceRecord[] {
  const allowed = constraints.allowedInstances(modelType);
  return [...instances].filter(([id]) => allowed === undefined || allowed.has(id)).map(([, r]) => r);
}
