import type { CacheEntryStateKind } from "../cache/entry-state.js";
import { removeCopy, removeLoadFailure, updateLastUsed } from "../records/model-record.js";
import type { ModelRecord } from "../records/types.js";
import { isFailureExpired } from "../scaling/failure-expiry.js";
import type { ScalingOptions } from "../scaling/options.js";

/**
 * Janitor step 2, registry → cache (§4.8): every record that mentions this instance should match
 * the local cache. Registrations without a live local copy are removed, failure records that a
 * live copy contradicts or that expired (§6.4) are removed, and loaded copies become scale-down
 * candidates (§5.5).
 */

/** The local entry of a model, as step 2 needs it. */
export interface JanitorLocalEntry {
  readonly state: CacheEntryStateKind;
  readonly lastUsedMs: number;
}

/** One record update decided by step 2 (apply with {@link applyRecordPrune}). */
export interface RecordPrune {
  readonly kind: "prune-record";
  readonly modelId: string;
  /** Remove our registration (no usable local copy); also updates `lul`. */
  readonly removeCopy: boolean;
  /** Remove our failure record (a live local copy, or it expired). */
  readonly removeFailure: boolean;
  /** Move `lu` forward to the local entry's last use, when there is one. */
  readonly lastUsedMs?: number;
  /** After the write, also drop the local FAILED entry, so the next request loads again. */
  readonly dropLocalFailedEntry: boolean;
}

/** A loaded local copy the scale-down rules (§5.5) should look at. */
export interface ScaleDownCandidate {
  readonly kind: "scale-down-candidate";
  readonly modelId: string;
  readonly lastUsedMs: number;
}

/** The time and identity step 2 decides with. */
export interface RegistryReconcileContext {
  readonly selfInstanceId: string;
  readonly nowMs: number;
}

/** Decides step 2 for one record; returns nothing when the record does not mention this instance. */
export function reconcileRegistryRecord(
  modelId: string,
  record: ModelRecord,
  local: JanitorLocalEntry | undefined,
  ctx: RegistryReconcileContext,
  options: ScalingOptions,
): (RecordPrune | ScaleDownCandidate)[] {
  const loaded = Object.hasOwn(record.instanceIds, ctx.selfInstanceId);
  const failedAtMs = record.failedIn[ctx.selfInstanceId];
  if (!loaded && failedAtMs === undefined) return [];
  const localFailed = local?.state === "FAILED";
  const removeCopy = loaded && (local === undefined || localFailed);
  let removeFailure = false;
  if (failedAtMs !== undefined) {
    const lastUsedMs = local === undefined ? 0 : local.lastUsedMs;
    removeFailure =
      (local !== undefined && !localFailed) ||
      isFailureExpired({ failedAtMs, lastUsedMs, nowMs: ctx.nowMs }, options);
  }
  const actions: (RecordPrune | ScaleDownCandidate)[] = [];
  if (removeCopy || removeFailure) {
    actions.push({
      kind: "prune-record",
      modelId,
      removeCopy,
      removeFailure,
      ...(local !== undefined && local.lastUsedMs > 0 ? { lastUsedMs: local.lastUsedMs } : {}),
      dropLocalFailedEntry: removeFailure && localFailed,
    });
  }
  if (loaded && !removeCopy && local !== undefined && local.lastUsedMs > 0) {
    actions.push({ kind: "scale-down-candidate", modelId, lastUsedMs: local.lastUsedMs });
  }
  return actions;
}

/** Result of {@link reconcileRegistry}. */
export interface RegistryReconciliation {
  /** Record updates to write (compare-and-set; on conflict decide again with the fresh record). */
  readonly prunes: readonly RecordPrune[];
  /** Scale-down candidates, least recently used first (§4.8 step 3). */
  readonly scaleDownCandidates: readonly ScaleDownCandidate[];
}

/** Step 2 over the registry. */
export function reconcileRegistry(
  records: Iterable<readonly [string, ModelRecord]>,
  localEntry: (modelId: string) => JanitorLocalEntry | undefined,
  ctx: RegistryReconcileContext,
  options: ScalingOptions,
): RegistryReconciliation {
  const prunes: RecordPrune[] = [];
  const candidates: ScaleDownCandidate[] = [];
  for (const [modelId, record] of records) {
    for (const action of reconcileRegistryRecord(modelId, record, localEntry(modelId), ctx, options)) {
      if (action.kind === "prune-record") prunes.push(action);
      else candidates.push(action);
    }
  }
  candidates.sort((a, b) => a.lastUsedMs - b.lastUsedMs);
  return { prunes, scaleDownCandidates: candidates };
}

/** The record after a {@link RecordPrune}, for the compare-and-set write. */
export function applyRecordPrune(
  record: ModelRecord,
  prune: RecordPrune,
  ctx: RegistryReconcileContext,
): ModelRecord {
  let next = record;
  if (prune.removeCopy) next = removeCopy(next, { instanceId: ctx.selfInstanceId, nowMs: ctx.nowMs });
  if (prune.removeFailure) next = removeLoadFailure(next, ctx.selfInstanceId);
  if (prune.lastUsedMs !== undefined) next = updateLastUsed(next, prune.lastUsedMs, ctx.nowMs);
  return next;
}
