import { isFailureExpired, isServable, resolveScalingOptions, type ScalingOptions } from "@modelmesh/core";
import type { CopyEntry } from "../cache/copy-data.js";
import { removeEntry } from "../cache/departures.js";
import type { MeshContext } from "../mesh-context.js";
import { reportInstanceStats } from "../metrics/instance-stats.js";
import { clearLoadFailure, deregisterCopy, reRegisterCopy } from "../registry/registry-writes.js";
import { buildInstanceRecord } from "./instance-record.js";

/** How long a failed entry may lack its registry failure record before the janitor drops it. */
const UNRECORDED_FAILURE_GRACE_MS = 10_000;

function report(ctx: MeshContext, what: string) {
  return (error: unknown) => ctx.logger.warn({ reason: String(error) }, `janitor: ${what}`);
}

/** Cache → registry (§4.8 step 1): drop entries of deleted models and expired failures; re-register lost copies. */
async function reconcileCache(ctx: MeshContext, scaling: ScalingOptions): Promise<void> {
  const now = ctx.clock.nowMs();
  for (const entry of ctx.cache.entries("mru-first") as CopyEntry[]) {
    const record = ctx.registryMirror.get(entry.id)?.value;
    if (record === undefined) {
      entry.data.registered = false;
      removeEntry(ctx, entry);
      continue;
    }
    if (entry.state.kind === "FAILED") {
      const failedAtMs = record.failedIn[ctx.selfId];
      // A failure not yet in the registry is being recorded right now: leave it for a later run.
      const unrecorded = failedAtMs === undefined && now - entry.state.sinceMs > UNRECORDED_FAILURE_GRACE_MS;
      const expired =
        unrecorded ||
        (failedAtMs !== undefined &&
          isFailureExpired({ failedAtMs, lastUsedMs: entry.lastUsedMs, nowMs: now }, scaling));
      if (expired) {
        removeEntry(ctx, entry);
        if (failedAtMs !== undefined)
          await clearLoadFailure(ctx, { modelId: entry.id, failedAtMs }).catch(report(ctx, "clear failure"));
      }
      continue;
    }
    const registered = record.instanceIds[ctx.selfId];
    if (isServable(entry.state.kind) && entry.data.registered && registered !== entry.data.loadTimestampMs) {
      await reRegisterCopy(ctx, { modelId: entry.id, loadTimestampMs: entry.data.loadTimestampMs }).catch(
        report(ctx, "re-register"),
      );
    }
  }
}

/** Registry → cache (§4.8 step 2): prune registrations without a local copy, expire our failure records. */
async function reconcileRegistry(ctx: MeshContext, scaling: ScalingOptions): Promise<void> {
  const now = ctx.clock.nowMs();
  const self = ctx.selfId;
  for (const [modelId, versioned] of [...ctx.registryMirror.entries()]) {
    const record = versioned.value;
    const loadTs = record.instanceIds[self];
    const failedAtMs = record.failedIn[self];
    if (loadTs === undefined && failedAtMs === undefined) continue;
    const entry = ctx.cache.peek(modelId);
    if (loadTs !== undefined && (entry === undefined || entry.state.kind === "FAILED")) {
      await deregisterCopy(ctx, { modelId, loadTimestampMs: loadTs }).catch(
        report(ctx, "prune registration"),
      );
    }
    if (failedAtMs === undefined) continue;
    if (entry !== undefined && entry.state.kind !== "FAILED") {
      await clearLoadFailure(ctx, { modelId, failedAtMs }).catch(report(ctx, "clear failure"));
      continue;
    }
    const lastUsedMs = entry?.lastUsedMs ?? 0;
    if (isFailureExpired({ failedAtMs, lastUsedMs, nowMs: now }, scaling)) {
      if (entry !== undefined) removeEntry(ctx, entry);
      await clearLoadFailure(ctx, { modelId, failedAtMs }).catch(report(ctx, "expire failure"));
    }
  }
}

/**
 * The janitor (§4.8), run on every instance: reconciles the local cache with the registry both
 * ways and expires load-failure records (§6.4) so the next request loads again, then runs the
 * scale-down step (§5.5) it was given.
 */
export class Janitor {
  readonly #ctx: MeshContext;
  readonly #scaling: ScalingOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  readonly #scaleDown: (() => Promise<unknown>) | undefined;

  /** `scaleDown`: the cluster's scale-down step (§4.8 step 3), run after both reconciliations. */
  constructor(ctx: MeshContext, scaleDown?: () => Promise<unknown>) {
    this.#ctx = ctx;
    this.#scaleDown = scaleDown;
    this.#scaling = resolveScalingOptions({ loadFailureExpiryMs: ctx.timings.loadFailureExpiryMs });
  }

  /** First run after `janitorFirstRunMs`, then every `janitorIntervalMs`. */
  start(): void {
    const schedule = (ms: number) => {
      this.#timer = setTimeout(() => {
        void this.runOnce().finally(() => {
          if (this.#timer !== undefined) schedule(this.#ctx.timings.janitorIntervalMs);
        });
      }, ms);
      this.#timer.unref();
    };
    schedule(this.#ctx.timings.janitorFirstRunMs);
  }

  /** One reconciliation pass (skipped while one runs or when shutting down). */
  runOnce(): Promise<void> {
    if (this.#ctx.lifecycle.shuttingDown) return Promise.resolve();
    this.#running ??= (async () => {
      try {
        await reconcileCache(this.#ctx, this.#scaling);
        await reconcileRegistry(this.#ctx, this.#scaling);
        await this.#scaleDown?.();
        reportInstanceStats(this.#ctx, buildInstanceRecord(this.#ctx, { startTimeMs: 0, shutdown: false }));
      } catch (error) {
        report(this.#ctx, "run failed")(error);
      } finally {
        this.#running = undefined;
      }
    })();
    return this.#running;
  }

  /** Stops the periodic task and waits for a run in progress. */
  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
