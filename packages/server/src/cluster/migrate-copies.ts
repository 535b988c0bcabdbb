import { isServable } from "@modelmesh/core";
import type { CopyEntry } from "../cache/copy-data.js";
import type { MeshContext } from "../mesh-context.js";
import { deregisterCopy } from "../registry/registry-writes.js";
import type { RoutingView } from "../routing/routing-view.js";
import { ensureLoaded } from "../routing/status-route.js";
import { liveInstances } from "./cluster-state.js";

/** Models used within this long before shutdown get a replacement before their copy here is given up (§9.5). */
export const MIGRATE_WAIT_RECENT_MS = 60 * 60 * 1000;

/** What {@link migrateCopies} did, for the shutdown log line. */
export interface MigrationSummary {
  /** Copies registered here when the migration began. */
  readonly copies: number;
  /** Copies whose replacement elsewhere was confirmed loaded before this one was deregistered. */
  readonly replaced: number;
  /** Copies deregistered without waiting (not recently used, not loaded yet, or replacement failed). */
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
 * The migrating part of a graceful shutdown (§9.5, improved): for every copy registered here,
 * most recently used first and all at once, an ensureLoaded that excludes this instance makes
 * sure another instance holds (or loads) the model. For a loaded model used within the last hour
 * the replacement is awaited (until `deadlineMs`) **while the copy here keeps serving** local and
 * forwarded calls; only then is the copy here deregistered, so callers move to the replacement
 * without a gap. Other copies are deregistered at once after asking for the replacement. The
 * local cache entries stay (no unloads during shutdown, §6.7) to serve calls that still arrive.
 * A no-op when no other live instance exists: the copies are deregistered at the end of shutdown.
 */
export async function migrateCopies(options: MigrateCopiesOptions): Promise<MigrationSummary> {
  const { ctx } = options;
  const others = [...liveInstances(ctx).keys()].filter((id) => id !== ctx.selfId);
  const entries = (ctx.cache.entries("mru-first") as CopyEntry[]).filter((e) => registeredHere(ctx, e.id));
  if (others.length === 0 || entries.length === 0)
    return { copies: entries.length, replaced: 0, released: 0 };
  const cutoffMs = ctx.clock.nowMs() - MIGRATE_WAIT_RECENT_MS;
  const results = await Promise.all(
    entries.map((entry) =>
      migrateOne(options, entry, isServable(entry.state.kind) && entry.lastUsedMs >= cutoffMs),
    ),
  );
  const replaced = results.filter(Boolean).length;
  return { copies: entries.length, replaced, released: entries.length - replaced };
}

/** Moves one model; true when its replacement was confirmed loaded before the copy here was released. */
async function migrateOne(options: MigrateCopiesOptions, entry: CopyEntry, wait: boolean): Promise<boolean> {
  const { ctx, view, deadlineMs } = options;
  const modelId = entry.id;
  const replacement = ensureLoaded(ctx, view, modelId, {
    lastUsedMs: entry.lastUsedMs,
    sync: wait,
    balanced: false,
    deadlineMs,
    hop: { explicitExcludes: new Set([ctx.selfId]) },
  }).then(
    (details) => {
      if (details.status === "LOADED") return true;
      if (wait) {
        ctx.logger.warn(
          { modelId, status: details.status, errors: details.errors },
          "replacement copy elsewhere not confirmed loaded",
        );
      }
      return false;
    },
    (error: unknown) => {
      ctx.logger.warn({ modelId, reason: String(error) }, "could not load a replacement copy elsewhere");
      return false;
    },
  );
  const replaced = wait ? await replacement : false;
  await deregisterCopy(ctx, { modelId, lastUsedMs: entry.lastUsedMs }).catch((error: unknown) => {
    ctx.logger.warn({ modelId, reason: String(error) }, "could not deregister a copy at shutdown");
  });
  return replaced;
}
