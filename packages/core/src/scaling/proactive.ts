import type { InstanceRecord, ModelRecord } from "../records/types.js";
import type { PartitionStats, ScalingOptions } from "./options.js";

/**
 * Proactive loading by the leader (§9.3): load registered models that have no copy into free
 * space, and, when the cluster is full, models used more recently than a good share of the
 * loaded ones. Pure selection; the leader starts one async ensureLoaded per chosen model.
 */

/** A model that could be loaded proactively. */
export interface ProactiveCandidate {
  readonly modelId: string;
  /** The record's `lu` (epoch ms): the load's last-used time and priority. */
  readonly lastUsedMs: number;
}

/** Partition figures proactive loading needs. */
export interface ProactiveStats extends PartitionStats {
  /** Model copies loaded in the partition. */
  readonly modelCopyCount: number;
}

/**
 * True for a model with no copy, fewer than two failure records, and either free space in the
 * cluster or a last use newer than the global LRU (§9.3). `stats` are the whole cluster's.
 */
export function isProactiveCandidate(record: ModelRecord, stats: PartitionStats): boolean {
  if (Object.keys(record.instanceIds).length > 0 || Object.keys(record.failedIn).length >= 2) return false;
  return stats.totalFreeUnits > 0 || record.lastUsedMs > stats.globalLruMs;
}

/** Inputs of {@link selectProactiveLoads}. */
export interface ProactiveInput {
  /** Candidates (see {@link isProactiveCandidate}), in registry order. */
  readonly candidates: readonly ProactiveCandidate[];
  /** Figures of the instance subset. */
  readonly stats: ProactiveStats;
  /** The subset's live instance records. */
  readonly instances: Iterable<InstanceRecord>;
  /** Default model size in units. */
  readonly defaultModelSizeUnits: number;
  /** Now, epoch ms. */
  readonly nowMs: number;
}

/** What to load, and the figures behind it (for logs). */
export interface ProactiveSelection {
  /** Models to load, most recently used first. */
  readonly toLoad: readonly ProactiveCandidate[];
  /** How many fit in free space (loaded regardless of age). */
  readonly freeSpaceCount: number;
  /** At most this many per run (≥ 5 % of the capacity may be replaced). */
  readonly maxCount: number;
  /** Beyond the free-space ones, only models used after this are loaded (0 = no cutoff). */
  readonly cutoffMs: number;
}

/** Chooses the models to load proactively in one instance subset (§9.3). */
export function selectProactiveLoads(input: ProactiveInput, options: ScalingOptions): ProactiveSelection {
  const { stats } = input;
  let freeSpaceCount = 0;
  let maxCount = 0;
  if (stats.totalCapacityUnits > 0 && stats.totalFreeUnits > 0) {
    const sizeUnits = sizeEstimateUnits(stats, input.defaultModelSizeUnits);
    freeSpaceCount = Math.floor(fillableUnits(input.instances, sizeUnits, options) / sizeUnits);
    maxCount = Math.max(freeSpaceCount, Math.floor(stats.totalCapacityUnits / (20 * sizeUnits)));
  }
  const cutoffMs =
    stats.globalLruMs >= Number.MAX_SAFE_INTEGER
      ? 0
      : stats.globalLruMs +
        Math.max(Math.floor((input.nowMs - stats.globalLruMs) / 3), options.proactiveMinCutoffAgeMs);
  const eligible = input.candidates.filter(
    (candidate) => maxCount > 0 && (freeSpaceCount > 0 || candidate.lastUsedMs > cutoffMs),
  );
  // Most recently used first; a stable sort keeps registry order among equals.
  const ranked = eligible.sort((a, b) => b.lastUsedMs - a.lastUsedMs).slice(0, maxCount);
  const toLoad: ProactiveCandidate[] = [];
  let freeLeft = freeSpaceCount;
  for (const candidate of ranked) {
    // Free space takes models of any age; after that only those newer than the cutoff, since
    // they will evict loaded models.
    if (freeLeft > 0) freeLeft--;
    else if (candidate.lastUsedMs < cutoffMs) break;
    toLoad.push(candidate);
  }
  return { toLoad, freeSpaceCount, maxCount, cutoffMs };
}

/**
 * Expected size of a new copy: the default with fewer than 3 copies, the average copy size with
 * more than 10, else the mean of the two.
 */
function sizeEstimateUnits(stats: ProactiveStats, defaultUnits: number): number {
  if (stats.modelCopyCount < 3) return Math.max(1, defaultUnits);
  const averageUnits = Math.floor((stats.totalCapacityUnits - stats.totalFreeUnits) / stats.modelCopyCount);
  return Math.max(
    1,
    stats.modelCopyCount > 10 ? averageUnits : Math.floor((averageUnits + defaultUnits) / 2),
  );
}

/**
 * Half the space above 1/8 of each instance's capacity, counting only instances whose loading
 * backlog (`threads × 50 − loads in progress`) has room, and at most that many models each.
 */
function fillableUnits(
  instances: Iterable<InstanceRecord>,
  sizeUnits: number,
  options: ScalingOptions,
): number {
  let total = 0;
  for (const record of instances) {
    if (record.shutdown) continue;
    const maxLoads = record.loadingThreads * options.proactiveBacklogPerThread - record.loadsInProgress;
    if (maxLoads <= 0) continue;
    const remaining = Math.max(0, record.capacityUnits - record.usedUnits);
    const available = remaining - Math.floor(record.capacityUnits / 8);
    if (available > 0) total += Math.min(available, maxLoads * sizeUnits);
  }
  return Math.floor(total / 2);
}
