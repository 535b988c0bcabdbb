import type { MeshContext } from "../mesh-context.js";

/** `getModelStatus` id that logs {@link describeState} at info, then answers as for any unknown id. */
export const LOG_STATE_ID = "***LOGCACHE***";
/** `getModelStatus` id whose answer is {@link describeState} as its `errors`, with status UNKNOWN. */
export const GET_STATE_ID = "***GETSTATE***";

/** "1h 2m 3s", "4.5s", "12ms": an age for people reading the dump. */
function readableAge(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.floor(ms / 1000);
  const parts = [
    [Math.floor(seconds / 86_400), "d"],
    [Math.floor(seconds / 3600) % 24, "h"],
    [Math.floor(seconds / 60) % 60, "m"],
    [seconds % 60, "s"],
  ] as const;
  return parts
    .filter(([value]) => value > 0)
    .map(([value, unit]) => `${value}${unit}`)
    .join(" ");
}

/** "empty" for the empty-cache sentinel, else how long ago an epoch-ms time was. */
function lruAge(nowMs: number, lruTimeMs: number): string {
  return lruTimeMs >= Number.MAX_SAFE_INTEGER ? "empty" : `${readableAge(nowMs - lruTimeMs)} ago`;
}

/**
 * The state of this instance and of the cluster as it sees it, one line per fact, for operators
 * diagnosing placement or eviction: this instance, its cache totals, every local copy from most
 * to least recently used, then every instance record and the number of registered models. Lines
 * start with `CACHESTATE:` (this instance) or `CLUSTSTATE:` (the cluster), as the original's did.
 */
export function describeState(ctx: MeshContext): string[] {
  const now = ctx.clock.nowMs();
  const { identity } = ctx;
  const stats = ctx.cache.stats();
  const lines = [
    `CACHESTATE: This instance: ${ctx.selfId} (${identity.location}:${identity.grpcPort}, peer port ${identity.internalPort})`,
    `CACHESTATE: Local clock time: ${now} (${new Date(now).toISOString()})`,
    `CACHESTATE: Requests per minute through this instance: ${ctx.requests.rpm()}`,
    `CACHESTATE: Cache: ${stats.count} copies, used ${stats.usedUnits} of ${stats.capacityUnits} units ` +
      `(8 KiB each; total ${stats.totalCapacityUnits}, unload buffer ${stats.bufferUnits}, unloading ` +
      `${stats.unloadingUnits}, pending ${stats.pendingUnits}), least recently used ${lruAge(now, stats.lruTimeMs)}`,
    `CACHESTATE: Loads queued or running: ${ctx.queue.inProgress}`,
    "CACHESTATE: -------------------------------------------------------------------",
    "CACHESTATE: Copies, most recently used first:",
  ];
  for (const entry of ctx.cache.entries("mru-first")) {
    const { data, state } = entry;
    const failure = state.kind === "FAILED" ? ` (${state.message})` : "";
    lines.push(
      `CACHESTATE: ${entry.id} ${state.kind} for ${readableAge(now - state.sinceMs)}${failure} ` +
        `type=${data.modelType} weight=${entry.weightUnits} ` +
        `last used ${lruAge(now, entry.lastUsedMs)} (${entry.lastUsedMs}) calls in flight ${data.inFlight}` +
        (data.registered ? "" : " (not in the registry)"),
    );
  }
  lines.push(
    "",
    "CLUSTSTATE: -------------------------------------------------------------------",
    "CLUSTSTATE: Instances:",
  );
  const instances = [...ctx.instancesMirror.entries()].sort(([a], [b]) => a.localeCompare(b));
  for (const [id, { value: record }] of instances) {
    lines.push(
      `CLUSTSTATE: ${id}${id === ctx.selfId ? " (this instance)" : ""} location=${record.location ?? "?"}` +
        `${record.zone === undefined ? "" : ` zone=${record.zone}`} version=${record.version} ` +
        `copies=${record.count} used=${record.usedUnits}/${record.capacityUnits} rpm=${record.rpm} ` +
        `loads=${record.loadsInProgress}/${record.loadingThreads} lru ${lruAge(now, record.lruTimeMs)} ` +
        `started ${readableAge(now - record.startTimeMs)} ago` +
        (record.labels.length === 0 ? "" : ` labels=${record.labels.join(",")}`),
    );
  }
  lines.push(`CLUSTSTATE: Registered models: ${[...ctx.registryMirror.entries()].length}`);
  return lines;
}
