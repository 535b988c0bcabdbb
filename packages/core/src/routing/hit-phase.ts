import type { ModelRecord } from "../records/types.js";
import { pickCopy, type SelfMode } from "./copy-picker.js";
import { isCandidateCopy, type MutableRouteState } from "./route-state.js";
import type { LocalCopyState, RouteStep, RoutingContext } from "./types.js";

/** A loading local copy is served anyway when the oldest copy started less than this ago (§2.3). */
const OLDEST_COPY_GRACE_MS = 1500;

/** Entry states in which the original's cache-entry future is complete (loaded, failed or removed). */
function isDone(state: LocalCopyState): boolean {
  return state === "SIZING" || state === "ACTIVE" || state === "FAILED" || state === "REMOVED";
}

/** Candidate copies of the record, summarised without allocating. */
interface CopyScan {
  count: number;
  /** Load start of this instance's candidate copy, or -1. */
  localMs: number;
  oldestMs: number;
}

function scanCopies(state: MutableRouteState, ctx: RoutingContext, record: ModelRecord): CopyScan {
  const scan: CopyScan = { count: 0, localMs: -1, oldestMs: Number.POSITIVE_INFINITY };
  const copies = record.instanceIds;
  for (const instanceId in copies) {
    const loadTimestampMs = copies[instanceId] as number;
    if (!isCandidateCopy(state, ctx, { instanceId, loadTimestampMs })) continue;
    scan.count++;
    if (instanceId === state.selfId) scan.localMs = loadTimestampMs;
    if (loadTimestampMs < scan.oldestMs) scan.oldestMs = loadTimestampMs;
  }
  return scan;
}

/**
 * Serve locally at once (§2.3 step 3): when ours is the only candidate copy, or when
 * favouring self and our entry is finished loading, or still loading but ours is the oldest
 * copy or the oldest copy started less than 1.5 s ago.
 */
function goLocalFirst(state: MutableRouteState, ctx: RoutingContext, scan: CopyScan): boolean {
  if (scan.localMs < 0) return false;
  if (scan.count === 1) return true;
  if (!state.favourSelfForHits) return false;
  const entry = ctx.cache.get(state.request.modelId);
  if (entry === undefined) return false;
  if (isDone(entry.state)) return true;
  return scan.oldestMs === scan.localMs || ctx.clock.nowMs() - scan.oldestMs < OLDEST_COPY_GRACE_MS;
}

function selfMode(state: MutableRouteState): SelfMode {
  if (state.favourSelfForHits) return "exclude";
  return state.preferSelfForHits ? "prefer" : "compete";
}

function serveLocal(state: MutableRouteState, ctx: RoutingContext, localMs: number): RouteStep {
  if (ctx.cache.get(state.request.modelId) === undefined) {
    // Registered here but not in the cache: drop the registration, then look again.
    state.pending = "deregister";
    return { kind: "deregister-self", loadTimestampMs: localMs };
  }
  state.hitExcludes.push({ instanceId: state.selfId, loadTimestampMs: localMs });
  state.pending = "serve-local";
  return { kind: "serve-local", loadTimestampMs: localMs };
}

/**
 * One turn of the cache-hit loop (§2.3 step 3): serve locally, forward `hit_only` to the
 * copy the picker chooses (§2.4), or return undefined when no copy is usable (the miss
 * phase follows).
 */
export function hitStep(
  state: MutableRouteState,
  ctx: RoutingContext,
  record: ModelRecord,
): RouteStep | undefined {
  const scan = scanCopies(state, ctx, record);
  if (scan.count === 0) return undefined;
  if (goLocalFirst(state, ctx, scan)) return serveLocal(state, ctx, scan.localMs);
  const chosen = pickCopy({
    copies: record.instanceIds,
    selfId: state.selfId,
    selfMode: selfMode(state),
    nowMs: ctx.clock.nowMs(),
    assumeLoadedAfterMs: ctx.loadTimes.assumeLoadedAfterMs(record.type),
    peers: ctx.peers,
    isExcluded: (instanceId, loadTimestampMs) =>
      !isCandidateCopy(state, ctx, { instanceId, loadTimestampMs }),
  });
  if (chosen !== undefined && chosen !== state.selfId) {
    const loadTimestampMs = record.instanceIds[chosen] as number;
    state.hitExcludes.push({ instanceId: chosen, loadTimestampMs });
    state.pending = "forward-hit";
    return { kind: "forward-hit", instanceId: chosen, loadTimestampMs };
  }
  // The picker chose us (unbalanced) or nothing reachable: our copy if we have one, else miss.
  return scan.localMs >= 0 ? serveLocal(state, ctx, scan.localMs) : undefined;
}
