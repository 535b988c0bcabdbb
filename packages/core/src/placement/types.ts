import type { Random } from "../ports/random.js";
import type { InstanceRecord, ModelRecord } from "../records/types.js";
import type { InstanceTable } from "./instance-table.js";

/** Anything with `has(id)`: a `Set`, or a view over several sets without copying them. */
export interface ReadonlySetLike {
  has(id: string): boolean;
}

/** One instance as placement sees it: its id and the record it is judged by. */
export interface PlacementEntry {
  readonly id: string;
  readonly record: InstanceRecord;
}

/** What {@link placeModel} decides from (§3). */
export interface PlacementInput {
  /** Live instances in placement order (see {@link createInstanceTable}). */
  readonly table: InstanceTable;
  /**
   * This instance's record computed just now from its cache (the original's "fresh" record).
   * It replaces the published one; omit it when this instance must not be a candidate.
   */
  readonly selfRecord?: InstanceRecord;
  /** The model to place: its type, current copies and failures (they are never targets). */
  readonly model: ModelRecord;
  /** When the model was last used (epoch ms; 0 = now; in the future for load-triggered scale-up). */
  readonly lastUsedMs: number;
  /** The request came from a balanced source: choose this instance when it is among the best. */
  readonly balanced: boolean;
  /** Instances the caller excluded explicitly (ensureLoaded `excludeInstances`). */
  readonly explicitExcludes?: ReadonlySetLike;
  /** Instances where a load was already attempted in this request (`tas.cm_excludes`). */
  readonly attempted?: ReadonlySetLike;
  /** Instances with every required label of the type; absent = unconstrained (§9.7). */
  readonly allowedInstances?: ReadonlySetLike;
  /** Instances the type prefers (configured or inferred, §9.7); absent = no preference. */
  readonly preferredInstances?: ReadonlySetLike;
  /** Whether a peer can be reached now (live registration); absent = all can. Self always can. */
  readonly isReachable?: (instanceId: string) => boolean;
  /** ReplicaSet ids (first 6 characters of instance ids) the upgrade tracker thinks are being replaced (§9.4). */
  readonly replacedReplicaSets?: ReadonlySetLike;
  /** Current time, epoch ms. */
  readonly nowMs: number;
  /** Source of the uniform random pick (§3.4). */
  readonly random: Random;
}

/** Values every policy of one placement call shares. */
export interface PlacementContext {
  readonly input: PlacementInput;
  readonly selfId: string;
  readonly nowMs: number;
  readonly minSpaceUnits: number;
  /** True when no candidate was left without the upgrade-tracker filter, so it is not applied (§3.2). */
  readonly ignoreReplacement: boolean;
}

/**
 * The outcome of a placement: load here, forward a "load here" request to another instance,
 * or nowhere suitable (the caller then checks whether it may load locally, §2.3 step 5).
 */
export type PlacementDecision =
  | {
      readonly kind: "load-local";
      /** `balanced-self`: balanced source and this instance was among the best; `picked`: random pick. */
      readonly reason: "balanced-self" | "picked";
    }
  | { readonly kind: "forward"; readonly instanceId: string }
  | { readonly kind: "none" };

/** Why one candidate was kept or dropped, for logs, status and the explain API. */
export interface CandidateVerdict {
  readonly instanceId: string;
  /** Position in placement order (0 = most desirable). */
  readonly rank: number;
  /** True when the candidate was in the final pool the target was drawn from. */
  readonly kept: boolean;
  /** Name of the policy that decided. */
  readonly policy: string;
  /** Human-readable reason. */
  readonly reason: string;
  /** The facts the placement order used (version, fullness, free units, models, LRU age). */
  readonly facts: string;
}

/** Result of {@link placeModel}: the decision, the pool, and explanations on demand. */
export interface PlacementResult {
  readonly decision: PlacementDecision;
  /** Ids of the candidates the target was drawn from (after the busy filter); just this instance when chosen at once. */
  readonly pool: readonly string[];
  /** A verdict for every live instance, in placement order. Computed when called. */
  explain(): readonly CandidateVerdict[];
}

/** Free units of an instance: `max(0, cap − used)` (§1.4). */
export function remainingUnits(record: InstanceRecord): number {
  return Math.max(0, record.capacityUnits - record.usedUnits);
}

/** "Full" = fewer free units than the threshold of §4.2. */
export function isFull(record: InstanceRecord, minSpaceUnits: number): boolean {
  return remainingUnits(record) < minSpaceUnits;
}

/** Age of a timestamp at `nowMs`; 0 stands for "now", as in the original. */
export function ageMs(timestampMs: number, nowMs: number): number {
  return timestampMs === 0 ? 0 : nowMs - timestampMs;
}

/** True when `id` is this instance. */
export function isSelf(entry: PlacementEntry, ctx: PlacementContext): boolean {
  return entry.id === ctx.selfId;
}

/**
 * A hard filter of §3.2: candidates it does not keep are never targets. Each filter is a
 * small named object so a decision can say which one dropped an instance and why.
 */
export interface PlacementFilter {
  readonly name: string;
  keep(entry: PlacementEntry, ctx: PlacementContext): boolean;
  /** Why `entry` was kept (`kept`) or dropped. */
  explain(entry: PlacementEntry, ctx: PlacementContext, kept: boolean): string;
}
