import { type ModelRecord, removeCopy, removeLoadFailure } from "@modelmesh/core";
import type { MeshContext } from "../mesh-context.js";

/** Store errors after which a reaper pass gives up (§9.2: three UNAVAILABLE errors). */
const MAX_STORE_ERRORS = 3;

/** The parts of the mesh context the reaper reads and writes. */
export type ReaperContext = Pick<
  MeshContext,
  | "registry"
  | "registryMirror"
  | "instances"
  | "instancesMirror"
  | "clock"
  | "timings"
  | "logger"
  | "readOnly"
>;

/** What one reaper pass did. */
export interface ReaperPass {
  /** Instances seen missing in this pass (with registrations old enough to matter). */
  readonly missing: readonly string[];
  /** Registrations (copies and failure records) removed, as `modelId@instanceId`. */
  readonly pruned: readonly string[];
  /** Models whose "never" last-used time was set to {@link REPAIRED_LAST_USED_AGE_MS} ago. */
  readonly repaired: readonly string[];
}

/**
 * How far back a repaired last-used time is set: a record whose `lu` is Java's `Long.MAX_VALUE`
 * (older versions wrote it) would otherwise be the most recently used model forever and never
 * be evicted; three hours back puts it among the models not used lately, as the original did.
 */
export const REPAIRED_LAST_USED_AGE_MS = 3 * 3_600_000;

/**
 * The leader's reaper (§9.2 step 1): registry entries are not bound to a lease, so copies and
 * failure records of instances that died stay in model records until the leader prunes them. A
 * registration older than `assumeInstanceGoneAfterMs` whose instance has no record (confirmed by
 * a linearizable read) marks the instance "missing since now"; once missing for longer than
 * `assumeInstanceGoneAfterMs`, its entries are removed with compare-and-set. An instance that
 * reappears is forgotten. A record whose last-used time is "never" (Java's `Long.MAX_VALUE`) is
 * repaired to {@link REPAIRED_LAST_USED_AGE_MS} ago. Call {@link Reaper.reset} when leadership is lost.
 */
export class Reaper {
  readonly #ctx: ReaperContext;
  readonly #missingSince = new Map<string, number>();

  constructor(ctx: ReaperContext) {
    this.#ctx = ctx;
  }

  /** Forgets every missing instance (on losing leadership). */
  reset(): void {
    this.#missingSince.clear();
  }

  /** One pass over the registry mirror. */
  async runOnce(): Promise<ReaperPass> {
    const ctx = this.#ctx;
    // Read-only mode never prunes or repairs the registry (another store is the source).
    if (ctx.readOnly) return { missing: [], pruned: [], repaired: [] };
    const goneAfterMs = ctx.timings.assumeInstanceGoneAfterMs;
    const nowMs = ctx.clock.nowMs();
    const confirmed = new Map<string, boolean>();
    const missing = new Set<string>();
    const pruned: string[] = [];
    const repaired: string[] = [];
    let errors = 0;
    const isAbsent = async (instanceId: string): Promise<boolean> => {
      if (ctx.instancesMirror.get(instanceId) !== undefined) return false;
      let absent = confirmed.get(instanceId);
      if (absent === undefined) {
        absent = (await ctx.instances.get(instanceId)) === undefined;
        confirmed.set(instanceId, absent);
      }
      return absent;
    };
    for (const [modelId, versioned] of [...ctx.registryMirror.entries()]) {
      const record = versioned.value;
      const gone: string[] = [];
      try {
        if (record.lastUsedMs >= Number.MAX_SAFE_INTEGER && (await this.#repairLastUsed(modelId))) {
          repaired.push(modelId);
        }
        for (const [instanceId, sinceMs] of registrations(record)) {
          if (nowMs - sinceMs <= goneAfterMs || !(await isAbsent(instanceId))) continue;
          missing.add(instanceId);
          const firstMissingMs = this.#missingSince.get(instanceId) ?? nowMs;
          this.#missingSince.set(instanceId, firstMissingMs);
          if (nowMs - firstMissingMs > goneAfterMs) gone.push(instanceId);
        }
        if (gone.length > 0) {
          await this.#prune(modelId, gone);
          for (const instanceId of gone) pruned.push(`${modelId}@${instanceId}`);
        }
      } catch (error) {
        ctx.logger.warn({ modelId, reason: String(error) }, "reaper: store error");
        if (++errors >= MAX_STORE_ERRORS) break;
      }
    }
    // Instances no registration mentions any more, or that came back, need no tracking.
    for (const instanceId of this.#missingSince.keys()) {
      if (!missing.has(instanceId)) this.#missingSince.delete(instanceId);
    }
    if (pruned.length > 0) ctx.logger.info({ pruned }, "reaper pruned registrations of gone instances");
    if (repaired.length > 0) ctx.logger.info({ repaired }, "reaper repaired last-used times set to never");
    return { missing: [...missing], pruned, repaired };
  }

  /** Sets a "never" last-used time to three hours ago; false when another write got there first. */
  async #repairLastUsed(modelId: string): Promise<boolean> {
    const ctx = this.#ctx;
    const lastUsedMs = ctx.clock.nowMs() - REPAIRED_LAST_USED_AGE_MS;
    let changed = false;
    await ctx.registry.update(
      modelId,
      (current) => {
        changed = current !== undefined && current.value.lastUsedMs >= Number.MAX_SAFE_INTEGER;
        return changed && current !== undefined ? { put: { ...current.value, lastUsedMs } } : undefined;
      },
      { start: { current: ctx.registryMirror.get(modelId) } },
    );
    return changed;
  }

  async #prune(modelId: string, instanceIds: readonly string[]): Promise<void> {
    const ctx = this.#ctx;
    const nowMs = ctx.clock.nowMs();
    await ctx.registry.update(
      modelId,
      (current) => {
        if (current === undefined) return undefined;
        let next = current.value;
        for (const instanceId of instanceIds) {
          next = removeLoadFailure(removeCopy(next, { instanceId, nowMs }), instanceId);
        }
        return next === current.value ? undefined : { put: next };
      },
      { start: { current: ctx.registryMirror.get(modelId) } },
    );
  }
}

/** Every instance a record mentions, with the time of its registration (copy or failure). */
function registrations(record: ModelRecord): [string, number][] {
  const all = new Map<string, number>();
  for (const [id, ms] of Object.entries(record.instanceIds)) all.set(id, ms);
  for (const [id, ms] of Object.entries(record.failedIn)) all.set(id, Math.max(all.get(id) ?? 0, ms));
  return [...all];
}
