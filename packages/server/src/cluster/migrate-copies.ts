import { isServable } from "@modelmesh/core";
import type { CopyEntry } from "../cache/copy-data.js";
import type { MeshContext } from "../mesh-context.js";
import { deregisterCopy } from "../registry/registry-writes.js";
import type { RoutingView } from "../routing/routing-view.js";
import { ensureLoaded } from "../routing/status-route.js";
import { delay } from "../util/delay.js";
import { liveInstances } from "./cluster-state.js";

/** Models used within this long before shutdown get a replacement before their copy here is given up (§9.5). */
export const MIGRATE_WAIT_RECENT_MS = 60 * 60 * 1000;

/** Pause before asking again for a replacement that was not confirmed, ms. */
const RETRY_PAUSE_MS = 250;

/** What {@link migrateCopies} did, for the shutdown log line. */
export interface MigrationSummary {
  /** Copies registered here during the migration. */
  readonly copies: number;
  /** Copies whose replacement elsewhere was confirmed loaded before this one was deregistered. */
  readonly replaced: number;
  /** Copies deregistered without waiting (not recently used, or no replacement before the deadline). */
  readonly released: number;
}

/** Options of {@link migrateCopies}. */
export interface MigrateCopiesOptions {
  readonly ctx: MeshContext;
  readonly view: RoutingView;
  /** Epoch ms after which no replacement is waited for. */
  readonly deadlineMs: number;
}

function registeredHere(ctx: MeshContext, modelId: string): boolean {
  const record = ctx.registryMirror.get(modelId)?.value;
  return record !== undefined && Object.hasOwn(record.instanceIds, ctx.selfId);
}

/**
 * True when the model has a copy on another instance that is live and not shutting down. A
 * replacement confirmed loaded on an instance that began its own shutdown meanwhile does not
 * count: that copy is about to go away too.
 */
function heldByAnotherLiveInstance(ctx: MeshContext, modelId: string): boolean {
  const record = ctx.registryMirror.get(modelId)?.value;
  if (record === undefined) return false;
  const live = liveInstances(ctx);
  return Object.keys(record.instanceIds).some((id) => id !== ctx.selfId && live.has(id));
}

/** This instance and every instance whose record says it is shutting down: no replacement there. */
function leavingInstances(ctx: MeshContext): Set<string> {
  const leaving = new Set([ctx.selfId]);
  for (const [id, versioned] of ctx.instancesMirror.entries()) if (versioned.value.shutdown) leaving.add(id);
  return leaving;
}

/** Copies to move: registered here, or loading here (their registration may still be on its way). */
function copiesToMove(ctx: MeshContext, handled: ReadonlySet<string>): CopyEntry[] {
  return (ctx.cache.entries("mru-first") as CopyEntry[]).filter(
    (entry) =>
      !handled.has(entry.id) &&
      entry.state.kind !== "FAILED" &&
      entry.state.kind !== "REMOVED" &&
      (registeredHere(ctx, entry.id) || !isServable(entry.state.kind)),
  );
}

/**
 * The migrating part of a graceful shutdown (§9.5, improved): for every copy here, most recently
 * used first and all at once, an ensureLoaded that excludes this instance makes sure another
 * live instance holds (or loads) the model. For a model used within the last hour the
 * replacement is awaited (until `deadlineMs`) **while the copy here keeps serving** local and
 * forwarded calls, and asked for again when its holder starts shutting down too (several
 * instances stopping at once); only then is the copy here deregistered, so callers move to the
 * replacement without a gap. Other copies are deregistered at once after asking for the
 * replacement. Copies that arrive while draining (a load a peer asked for before it saw this
 * instance's shutdown mark) are moved the same way. The local cache entries stay (no unloads
 * during shutdown, §6.7) to serve calls that still arrive. Nothing is moved when no other live
 * instance exists: the copies are deregistered at the end of shutdown.
 */
export async function migrateCopies(options: MigrateCopiesOptions): Promise<MigrationSummary> {
  const { ctx } = options;
  const handled = new Set<string>();
  let replaced = 0;
  for (;;) {
    const others = [...liveInstances(ctx).keys()].filter((id) => id !== ctx.selfId);
    const entries = copiesToMove(ctx, handled);
    if (others.length === 0 || entries.length === 0) break;
    const cutoffMs = ctx.clock.nowMs() - MIGRATE_WAIT_RECENT_MS;
    for (const entry of entries) handled.add(entry.id);
    const results = await Promise.all(
      entries.map((entry) => migrateOne(options, entry, entry.lastUsedMs >= cutoffMs)),
    );
    replaced += results.filter(Boolean).length;
    if (ctx.clock.nowMs() >= options.deadlineMs) break;
  }
  return { copies: handled.size, replaced, released: handled.size - replaced };
}

/** Asks for a copy elsewhere; with `wait`, true once one on a live instance is confirmed loaded. */
async function requestReplacement(options: MigrateCopiesOptions, entry: CopyEntry, wait: boolean) {
  const { ctx, view, deadlineMs } = options;
  const modelId = entry.id;
  try {
    const details = await ensureLoaded(ctx, view, modelId, {
      lastUsedMs: entry.lastUsedMs,
      sync: wait,
      balanced: false,
      deadlineMs,
      // Copies on instances that are leaving too do not count, nor do they take the replacement.
      hop: { explicitExcludes: leavingInstances(ctx) },
    });
    if (details.status === "NOT_FOUND") return "unregistered";
    if (details.status === "LOADED" && heldByAnotherLiveInstance(ctx, modelId)) return "replaced";
    const failed = details.status === "LOADING_FAILED";
    if (wait && (failed || ctx.clock.nowMs() + RETRY_PAUSE_MS >= deadlineMs)) {
      ctx.logger.warn(
        { modelId, status: details.status, errors: details.errors },
        "replacement copy elsewhere not confirmed loaded",
      );
    }
    if (failed) return "failed";
  } catch (error) {
    if (!wait || ctx.clock.nowMs() + RETRY_PAUSE_MS >= deadlineMs)
      ctx.logger.warn({ modelId, reason: String(error) }, "could not load a replacement copy elsewhere");
  }
  return "not-yet";
}

/** Moves one model; true when its replacement was confirmed loaded before the copy here was released. */
async function migrateOne(options: MigrateCopiesOptions, entry: CopyEntry, wait: boolean): Promise<boolean> {
  const { ctx, deadlineMs } = options;
  let replaced = false;
  for (;;) {
    const outcome = await requestReplacement(options, entry, wait);
    if (outcome === "replaced") replaced = true;
    if (!wait || outcome !== "not-yet" || ctx.clock.nowMs() + RETRY_PAUSE_MS >= deadlineMs) break;
    await delay(RETRY_PAUSE_MS);
  }
  await deregisterCopy(ctx, { modelId: entry.id, lastUsedMs: entry.lastUsedMs }).catch((error: unknown) => {
    ctx.logger.warn({ modelId: entry.id, reason: String(error) }, "could not deregister a copy at shutdown");
  });
  return replaced;
}
