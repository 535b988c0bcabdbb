import type { MeshSession } from "@modelmesh/core";
import type { CopyEntry } from "./cache/copy-data.js";
import { migrateCopies } from "./cluster/migrate-copies.js";
import type { InferenceCounters } from "./inference/handle-inference.js";
import type { MeshContext } from "./mesh-context.js";
import { deregisterCopy } from "./registry/registry-writes.js";
import type { RoutingView } from "./routing/routing-view.js";
import type { InstancePublisher } from "./tasks/instance-publisher.js";
import type { Janitor } from "./tasks/janitor.js";
import { delay } from "./util/delay.js";

/** Longest part of the shutdown budget kept for the steps after the migration, ms (§9.5: 5 s). */
const MIGRATION_RESERVE_MS = 5000;

/** What {@link drainMesh} needs. */
export interface DrainParts {
  readonly ctx: MeshContext;
  readonly view: RoutingView;
  /** Clock time by which the whole shutdown must be over. */
  readonly deadlineMs: number;
  readonly publisher: InstancePublisher | undefined;
}

/** The epoch ms until which the migration may wait for replacements: the budget less a reserve. */
export function migrationDeadline(nowMs: number, deadlineMs: number): number {
  const budget = Math.max(0, deadlineMs - nowMs);
  return deadlineMs - Math.min(MIGRATION_RESERVE_MS, budget / 2);
}

/**
 * First phase of a graceful stop (§9.5, improved): this instance stops taking new loads and
 * leaves placement (its record is published with `shutdown`), then moves its copies to other
 * instances with {@link migrateCopies} while it **keeps serving** calls from clients and peers
 * with the copies it has. Resolves when every copy is moved or given up.
 */
export async function drainMesh(parts: DrainParts): Promise<void> {
  const { ctx } = parts;
  ctx.lifecycle.shuttingDown = true;
  await parts.publisher?.markShutdown().catch((error: unknown) => {
    ctx.logger.warn({ reason: String(error) }, "could not publish the shutdown mark");
  });
  const startedMs = ctx.clock.nowMs();
  const summary = await migrateCopies({
    ctx,
    view: parts.view,
    deadlineMs: migrationDeadline(startedMs, parts.deadlineMs),
  });
  ctx.logger.info({ ...summary, tookMs: ctx.clock.nowMs() - startedMs }, "copies migrated for shutdown");
}

/** What {@link shutdownMesh} stops. */
export interface ShutdownParts {
  readonly ctx: MeshContext;
  /** Clock time by which to give up waiting for in-flight calls. */
  readonly deadlineMs: number;
  readonly counters: InferenceCounters;
  readonly janitor: Janitor;
  /** Cluster duties: stopped with the janitor, leaving the leader election. */
  readonly cluster?: { stop(): Promise<void> };
  readonly publisher: InstancePublisher | undefined;
  readonly session: MeshSession | undefined;
  /** Resolves when no call forwarded by a peer is being served here (or at the deadline). */
  readonly peerCallsDone?: (deadlineMs: number) => Promise<void>;
  /** Stops watches and other listeners. */
  readonly stop: () => void;
}

/**
 * Last phase of a graceful stop, after {@link drainMesh}: waits for in-flight calls until the
 * deadline, stops the background tasks, deregisters the copies still registered here, waits for
 * the calls peers forwarded here, and deletes the instance record. No unloads are sent while
 * shutting down (§6.7): the runtime goes away with the instance.
 */
export async function shutdownMesh(parts: ShutdownParts): Promise<void> {
  const { ctx } = parts;
  while (parts.counters.inFlight > 0 && ctx.clock.nowMs() < parts.deadlineMs) await delay(20);
  await parts.janitor.stop();
  await parts.cluster?.stop();
  parts.stop();
  const copies = ctx.cache.entries("lru-first") as CopyEntry[];
  for (const entry of copies) entry.data.abort.abort();
  await Promise.all(
    [...ctx.registryMirror.entries()]
      .filter(([, versioned]) => Object.hasOwn(versioned.value.instanceIds, ctx.selfId))
      .map(([modelId]) =>
        deregisterCopy(ctx, { modelId }).catch((error: unknown) => {
          ctx.logger.warn({ modelId, reason: String(error) }, "could not deregister a copy at shutdown");
        }),
      ),
  );
  // Peers keep their connection to this instance until its record goes: let the calls they
  // sent before seeing the copies deregistered finish first.
  await parts.peerCallsDone?.(parts.deadlineMs);
  await parts.publisher?.stop();
  await parts.session?.close().catch(() => undefined);
  ctx.registryMirror.close();
  ctx.instancesMirror.close();
  ctx.logger.info({}, "mesh instance stopped");
}
