import {
  describeModelStatus,
  isMeshError,
  isPendingLoad,
  isServable,
  MeshError,
  type ModelStatus,
  type ModelStatusDetails,
  type RouteRequest,
  type RouteState,
} from "@modelmesh/core";
import type { CopyEntry } from "../cache/copy-data.js";
import { awaitServable } from "../loading/await-copy.js";
import type { MeshContext } from "../mesh-context.js";
import { forwardStatus } from "../peer-wiring/status-forward.js";
import { driveRoute, localCopyGone, type Performed, type RoutePerformer } from "./drive-route.js";
import type { RoutingView } from "./routing-view.js";

/** Options of an ensureLoaded route. */
export interface EnsureLoadedOptions {
  /** Last-used time to record, epoch ms (0 = now). */
  readonly lastUsedMs: number;
  /** Wait until the copy is loaded or failed. */
  readonly sync: boolean;
  readonly balanced: boolean;
  readonly signal?: AbortSignal;
  /** Absolute deadline, epoch ms (`Date.now()` clock). */
  readonly deadlineMs?: number;
  /** How the request reached this instance, for one forwarded by a peer. */
  readonly hop?: PeerHopFacts;
}

/** The routing facts a forwarded status / ensureLoaded request carries (hop and exclusions). */
export type PeerHopFacts = Pick<
  RouteRequest,
  "hop" | "cacheHitExcludes" | "cacheMissExcludes" | "explicitExcludes"
>;

function answer(
  ctx: MeshContext,
  status: ModelStatus,
  state: RouteState,
  failure?: MeshError,
): ModelStatusDetails {
  const record = ctx.registryMirror.get(state.request.modelId)?.value ?? state.record;
  return describeModelStatus({
    status,
    ...(record === undefined ? {} : { record }),
    ...(failure === undefined ? {} : { failure }),
    nowMs: ctx.clock.nowMs(),
  });
}

function done(value: ModelStatusDetails): Performed<ModelStatusDetails> {
  return { done: true, value };
}

/** Turns a failed wait on a local copy into a routing outcome; interruptions are thrown. */
function waitFailure(ctx: MeshContext, modelId: string, error: unknown): Performed<ModelStatusDetails> {
  if (isMeshError(error) && error.code === "MODEL_NOT_HERE")
    return { done: false, outcome: localCopyGone(ctx, modelId) };
  if (isMeshError(error) && error.code === "LOAD_FAILED")
    return { done: false, outcome: { kind: "failed", error } };
  throw error;
}

/** A local copy's status as it is now; failed copies go back to routing as load failures. */
function inspect(ctx: MeshContext, entry: CopyEntry, state: RouteState): Performed<ModelStatusDetails> {
  const kind = entry.state.kind;
  if (isServable(kind)) return done(answer(ctx, "LOADED", state));
  if (isPendingLoad(kind) || kind === "LOADING") return done(answer(ctx, "LOADING", state));
  if (entry.state.kind === "FAILED") {
    const error = new MeshError("LOAD_FAILED", entry.state.message, { instanceId: ctx.selfId });
    return { done: false, outcome: { kind: "failed", error } };
  }
  return { done: false, outcome: localCopyGone(ctx, entry.id) };
}

function performer(
  ctx: MeshContext,
  view: RoutingView,
  options: EnsureLoadedOptions | undefined,
): RoutePerformer<ModelStatusDetails> {
  const peers = view.peers;
  return {
    requestDriven: false,
    ...(peers === undefined
      ? {}
      : {
          forward: (step, state) =>
            forwardStatus(
              peers,
              {
                load: options !== undefined,
                sync: options?.sync ?? false,
                lastUsedMs: options?.lastUsedMs ?? 0,
                excludeInstances: [...(state.request.explicitExcludes ?? [])],
                ...(options?.signal === undefined ? {} : { signal: options.signal }),
                ...(options?.deadlineMs === undefined ? {} : { deadlineMs: options.deadlineMs }),
              },
              step,
              state,
            ),
        }),
    async serve(entry, state) {
      if (entry.state.kind === "FAILED" || (options?.sync === true && !isServable(entry.state.kind))) {
        if (options !== undefined) ctx.cache.touch(entry, Math.max(0, options.lastUsedMs));
        try {
          await awaitServable(ctx, entry, {
            requestDriven: false,
            ...(options?.signal === undefined ? {} : { signal: options.signal }),
            ...(options?.deadlineMs === undefined ? {} : { deadlineMs: options.deadlineMs }),
          });
        } catch (error) {
          return waitFailure(ctx, entry.id, error);
        }
        return done(answer(ctx, "LOADED", state));
      }
      if (options !== undefined) ctx.cache.touch(entry, Math.max(0, options.lastUsedMs));
      return inspect(ctx, entry, state);
    },
    status(step, state) {
      return answer(ctx, step.status, state, step.failure);
    },
  };
}

/** `getModelStatus` (§13.1): never loads and never touches recency. NOT_FOUND when unregistered. */
export async function modelStatus(
  ctx: MeshContext,
  view: RoutingView,
  modelId: string,
  hop?: PeerHopFacts,
): Promise<ModelStatusDetails> {
  try {
    return await driveRoute(
      ctx,
      view,
      { kind: "status", modelId, balanced: false, ...hop },
      performer(ctx, view, undefined),
    );
  } catch (error) {
    if (isMeshError(error) && error.code === "MODEL_NOT_FOUND")
      return { status: "NOT_FOUND", errors: [], copies: [] };
    throw error;
  }
}

/**
 * `ensureLoaded` (§13.1): loads a copy if none is, touching recency; `sync` waits for the
 * outcome. NOT_FOUND status when unregistered.
 */
export async function ensureLoaded(
  ctx: MeshContext,
  view: RoutingView,
  modelId: string,
  options: EnsureLoadedOptions,
): Promise<ModelStatusDetails> {
  try {
    return await driveRoute(
      ctx,
      view,
      {
        kind: "ensure-loaded",
        modelId,
        balanced: options.balanced,
        lastUsedMs: options.lastUsedMs,
        ...options.hop,
      },
      performer(ctx, view, options),
    );
  } catch (error) {
    if (isMeshError(error) && error.code === "MODEL_NOT_FOUND")
      return { status: "NOT_FOUND", errors: [], copies: [] };
    throw error;
  }
}
