import type { MeshSession } from "@modelmesh/core";
import type { CopyEntry } from "./cache/copy-data.js";
import type { InferenceCounters } from "./inference/handle-inference.js";
import type { MeshContext } from "./mesh-context.js";
import { deregisterCopy } from "./registry/registry-writes.js";
import type { InstancePublisher } from "./tasks/instance-publisher.js";
import type { Janitor } from "./tasks/janitor.js";
import { delay } from "./util/delay.js";

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
  /** Stops watches and other listeners. */
  readonly stop: () => void;
}

/**
 * Graceful stop (§9.5 without migration, which comes with the cluster issue): refuse new loads
 * and calls, mark the instance record `shutdown`, wait for in-flight calls until the deadline,
 * stop the background tasks, deregister this instance's copies and delete its record. No
 * unloads are sent while shutting down (§6.7): the runtime goes away with the instance.
 */
export async function shutdownMesh(parts: ShutdownParts): Promise<void> {
  const { ctx } = parts;
  ctx.lifecycle.shuttingDown = true;
  await parts.publisher?.markShutdown();
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
  await parts.publisher?.stop();
  await parts.session?.close().catch(() => undefined);
  ctx.registryMirror.close();
  ctx.instancesMirror.close();
  ctx.logger.info({}, "mesh instance stopped");
}
