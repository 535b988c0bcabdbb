import type { Clock } from "../ports/clock.js";
import type { InstanceRecord } from "../records/types.js";
import type { ReadonlySetLike } from "./types.js";

/** Length of the ReplicaSet part of a Kubernetes-derived instance id (the pod name's hash). */
export const REPLICA_SET_PREFIX_LENGTH = 6;
/** A set whose newest pod started longer ago than this is not part of a rolling update any more. */
export const UPGRADE_WINDOW_MS = 20 * 60_000;
/** An old set changed (pods left) within this long is still being replaced; also its mark's lifetime. */
export const REPLACEMENT_EXPIRY_MS = 15 * 60_000;
/** While the newest set's latest pod started this recently, old sets count as replaced without changes. */
export const FRESH_SET_MS = 10 * 60_000;

/** What the tracker knows of one ReplicaSet with one label set. */
interface ReplicaSetStats {
  size: number;
  earliestStartMs: number;
  latestStartMs: number;
  lastChangeMs: number;
}

/**
 * Guesses which Kubernetes ReplicaSets a rolling update is replacing, so placement can keep new
 * copies off pods that are about to go (docs/cluster.md, "Rolling updates"). Instances are grouped
 * by their label set, and within it by ReplicaSet: the first {@link REPLICA_SET_PREFIX_LENGTH}
 * characters of the instance id (ids shorter than 7 characters are not pod-derived and ignored).
 *
 * When an instance appears, a set is marked "likely being replaced" if the newest set of its label
 * group (the one whose first pod started last) had a pod start within {@link UPGRADE_WINDOW_MS},
 * no pod of the old set started after the newest set's first pod, and either the newest set is
 * fresh ({@link FRESH_SET_MS}) or the old set changed within {@link REPLACEMENT_EXPIRY_MS}. A mark
 * expires {@link REPLACEMENT_EXPIRY_MS} after the set's last change, or when the set empties.
 *
 * Pure: the caller feeds instance appearances and removals, time comes from the injected clock.
 */
export class UpgradeTracker {
  readonly #clock: Clock;
  /** Label set key → ReplicaSet id → stats. */
  readonly #groups = new Map<string, Map<string, ReplicaSetStats>>();
  /** ReplicaSet id → expiry (epoch ms) of its "being replaced" mark. */
  readonly #replaced = new Map<string, number>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** The ReplicaSets currently believed to be replaced (expired marks dropped on read). */
  readonly replacedReplicaSets: ReadonlySetLike = {
    has: (replicaSet) => {
      const expiresMs = this.#replaced.get(replicaSet);
      if (expiresMs === undefined) return false;
      if (this.#clock.nowMs() < expiresMs) return true;
      this.#replaced.delete(replicaSet);
      return false;
    },
  };

  /** The marked ReplicaSets, sorted (for logs, diagnostics and tests). */
  replaced(): string[] {
    return [...this.#replaced.keys()].filter((id) => this.replacedReplicaSets.has(id)).sort();
  }

  /** An instance record appeared (first seen, not on later updates). */
  instanceAdded(instanceId: string, record: InstanceRecord): void {
    const replicaSet = replicaSetOf(instanceId);
    if (replicaSet === undefined) return;
    const nowMs = this.#clock.nowMs();
    const key = labelKey(record);
    let group = this.#groups.get(key);
    if (group === undefined) {
      group = new Map();
      this.#groups.set(key, group);
    }
    let stats = group.get(replicaSet);
    if (stats === undefined) {
      stats = { size: 0, earliestStartMs: Number.POSITIVE_INFINITY, latestStartMs: 0, lastChangeMs: nowMs };
      group.set(replicaSet, stats);
    }
    stats.size++;
    stats.lastChangeMs = nowMs;
    stats.earliestStartMs = Math.min(stats.earliestStartMs, record.startTimeMs);
    stats.latestStartMs = Math.max(stats.latestStartMs, record.startTimeMs);
    const old = group.size > 1 ? oldSets(group, nowMs) : new Set<string>();
    for (const [id, set] of group) {
      if (old.has(id)) {
        if (!this.#replaced.has(id)) this.#replaced.set(id, set.lastChangeMs + REPLACEMENT_EXPIRY_MS);
      } else {
        this.#replaced.delete(id);
      }
    }
  }

  /** An instance record went away. */
  instanceRemoved(instanceId: string, record: InstanceRecord): void {
    const replicaSet = replicaSetOf(instanceId);
    if (replicaSet === undefined) return;
    const key = labelKey(record);
    const group = this.#groups.get(key);
    const stats = group?.get(replicaSet);
    if (group === undefined || stats === undefined) return;
    stats.size--;
    if (stats.size <= 0) {
      group.delete(replicaSet);
      if (group.size === 0) this.#groups.delete(key);
      this.#replaced.delete(replicaSet);
      return;
    }
    stats.lastChangeMs = this.#clock.nowMs();
    // Pods leaving a set being replaced keep its mark alive.
    if (this.#replaced.has(replicaSet))
      this.#replaced.set(replicaSet, stats.lastChangeMs + REPLACEMENT_EXPIRY_MS);
  }
}

function replicaSetOf(instanceId: string): string | undefined {
  return instanceId.length > REPLICA_SET_PREFIX_LENGTH
    ? instanceId.slice(0, REPLICA_SET_PREFIX_LENGTH)
    : undefined;
}

function labelKey(record: InstanceRecord): string {
  return record.labels.join("\u0000");
}

/** The sets of a label group that a newer set is replacing, as of `nowMs`. */
function oldSets(group: ReadonlyMap<string, ReplicaSetStats>, nowMs: number): Set<string> {
  let newest: ReplicaSetStats | undefined;
  for (const set of group.values()) {
    if (newest === undefined || set.earliestStartMs > newest.earliestStartMs) newest = set;
  }
  const old = new Set<string>();
  if (newest === undefined || newest.latestStartMs <= nowMs - UPGRADE_WINDOW_MS) return old;
  const fresh = newest.latestStartMs > nowMs - FRESH_SET_MS;
  for (const [id, set] of group) {
    if (
      set.latestStartMs < newest.earliestStartMs &&
      (fresh || set.lastChangeMs > nowMs - REPLACEMENT_EXPIRY_MS)
    ) {
      old.add(id);
    }
  }
  return old;
}
