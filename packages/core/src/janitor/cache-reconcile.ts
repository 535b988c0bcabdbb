import type { CacheEntryStateKind } from "../cache/entry-state.js";
import { isFinished } from "../cache/entry-state.js";
import type { ModelRecord } from "../records/types.js";
import type { JanitorContext } from "./options.js";

/**
 * Janitor step 1, cache → registry (§4.8): every finished local entry should be registered in
 * its model's record with the same timestamp. Entries nobody knows about leave the cache; loaded
 * copies the registry lost are registered again. Decisions only: the server performs them
 * (confirming removals and re-registrations against a strongly consistent read first, as the
 * original does, by calling {@link reconcileCacheEntry} again with the fresh record).
 */

/** What the janitor needs to know about a local cache entry. */
export interface JanitorCacheEntry {
  readonly modelId: string;
  readonly state: CacheEntryStateKind;
  /** The entry's last-used time. */
  readonly lastUsedMs: number;
  /** The registration timestamp the copy was loaded under (its `instanceIds` value). */
  readonly loadStartMs: number;
  /** FAILED entries: the failure time recorded in `failedIn`. */
  readonly failedAtMs?: number;
  /** Last time an unload of this entry was attempted (scale-down, deregistration), if ever. */
  readonly unloadAttemptedAtMs?: number;
}

/** Why an entry leaves the cache. */
export type CacheRemovalReason = "not-registered" | "failure-not-recorded" | "unload-attempted";

/** One decision of step 1. */
export type CacheReconcileAction =
  | { readonly kind: "keep"; readonly modelId: string }
  /** Write `lu = lastUsedMs` to the record (it is stale by more than this instance's threshold). */
  | { readonly kind: "refresh-last-used"; readonly modelId: string; readonly lastUsedMs: number }
  /**
   * The entry had a "never" last-used time: reset it in the cache to `lastUsedMs`, and in the
   * record too when `repairRecord` (the record's `lu` is also "never").
   */
  | {
      readonly kind: "repair-last-used";
      readonly modelId: string;
      readonly lastUsedMs: number;
      readonly repairRecord: boolean;
    }
  /** Remove the entry from the cache (unloading it). */
  | { readonly kind: "remove-from-cache"; readonly modelId: string; readonly reason: CacheRemovalReason }
  /** Register the loaded copy again: `instanceIds[self] = loadStartMs`, failure dropped, `lu` updated. */
  | {
      readonly kind: "register-copy";
      readonly modelId: string;
      readonly loadStartMs: number;
      readonly lastUsedMs: number;
      /** The mismatching timestamp registered now, if any (for the log). */
      readonly registeredLoadStartMs?: number;
    };

/** Decides step 1 for one entry, given its model's record (undefined when not registered). */
export function reconcileCacheEntry(
  entry: JanitorCacheEntry,
  record: ModelRecord | undefined,
  ctx: JanitorContext,
): CacheReconcileAction {
  const { modelId, lastUsedMs } = entry;
  const keep: CacheReconcileAction = { kind: "keep", modelId };
  if (!isFinished(entry.state) || lastUsedMs <= 0) return keep;
  if (lastUsedMs >= Number.MAX_SAFE_INTEGER) {
    // Observed in the wild; an entry stuck at "never" would never be evicted.
    const repaired = ctx.nowMs - ctx.options.repairedLastUsedAgeMs;
    const repairRecord = record !== undefined && record.lastUsedMs >= Number.MAX_SAFE_INTEGER;
    return { kind: "repair-last-used", modelId, lastUsedMs: repaired, repairRecord };
  }
  const refreshOrKeep = (): CacheReconcileAction =>
    record !== undefined && lastUsedMs - record.lastUsedMs >= ctx.staleLastUsedAgeMs
      ? { kind: "refresh-last-used", modelId, lastUsedMs }
      : keep;
  const recentMs = 2 * ctx.options.janitorPeriodMs + ctx.loadTimeoutMs;
  if (ctx.nowMs - lastUsedMs < recentMs) return refreshOrKeep();
  const failed = entry.state === "FAILED";
  const registered = record && (failed ? record.failedIn : record.instanceIds)[ctx.selfInstanceId];
  if (registered !== undefined && registered === (failed ? entry.failedAtMs : entry.loadStartMs)) {
    return refreshOrKeep();
  }
  if (record === undefined) return { kind: "remove-from-cache", modelId, reason: "not-registered" };
  if (failed) return { kind: "remove-from-cache", modelId, reason: "failure-not-recorded" };
  const attempted = entry.unloadAttemptedAtMs;
  if (attempted !== undefined && ctx.nowMs - attempted < ctx.options.unloadAttemptRecentMs) {
    return { kind: "remove-from-cache", modelId, reason: "unload-attempted" };
  }
  return {
    kind: "register-copy",
    modelId,
    loadStartMs: entry.loadStartMs,
    lastUsedMs,
    ...(registered === undefined ? {} : { registeredLoadStartMs: registered }),
  };
}

/**
 * Step 1 over the whole cache, most recently used first. Returns the decisions other than
 * "keep". An entry with a "never" last-used time is repaired and the run goes on: the fix of
 * §15.4 item 6 (the original returned from the whole janitor run after such a repair).
 */
export function reconcileCache(
  entries: Iterable<JanitorCacheEntry>,
  lookupRecord: (modelId: string) => ModelRecord | undefined,
  ctx: JanitorContext,
): CacheReconcileAction[] {
  const actions: CacheReconcileAction[] = [];
  for (const entry of entries) {
    const action = reconcileCacheEntry(entry, lookupRecord(entry.modelId), ctx);
    if (action.kind !== "keep") actions.push(action);
  }
  return actions;
}
