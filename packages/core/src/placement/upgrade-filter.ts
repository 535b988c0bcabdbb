import type { PlacementEntry, PlacementFilter, PlacementInput } from "./types.js";

/** Length of the ReplicaSet part of an instance id (§1.2). */
const REPLICA_SET_ID_LENGTH = 6;

function inReplacedReplicaSet(entry: PlacementEntry, input: PlacementInput): boolean {
  const replaced = input.replacedReplicaSets;
  if (replaced === undefined || entry.id.length <= REPLICA_SET_ID_LENGTH) return false;
  return replaced.has(entry.id.slice(0, REPLICA_SET_ID_LENGTH));
}

/**
 * Avoids instances of a ReplicaSet the upgrade tracker believes is being replaced (§3.2,
 * §9.4). The pipeline stops applying it when it would leave no candidate at all.
 */
export const upgradeFilter: PlacementFilter = {
  name: "upgrade-tracker",
  keep: (entry, ctx) => ctx.ignoreReplacement || !inReplacedReplicaSet(entry, ctx.input),
  explain(entry, ctx, kept) {
    if (!inReplacedReplicaSet(entry, ctx.input)) return "not in a ReplicaSet being replaced";
    return kept
      ? "in a ReplicaSet being replaced, kept because nothing else fits"
      : "in a ReplicaSet being replaced by a rolling upgrade";
  },
};
