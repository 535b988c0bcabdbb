import { type InstanceRecord, placeModel } from "@modelmesh/core";
import { loadLocal } from "../loading/load-local.js";
import type { MeshContext } from "../mesh-context.js";
import type { RoutingView } from "../routing/routing-view.js";
import type { TypeConstraints } from "./type-constraints.js";

/** Why a copy is requested (for logs and metrics). */
export type CopyRequestReason = "second-copy" | "scale-up" | "proactive" | "rebalance";

/** A request to load one more copy of a model somewhere in the cluster (an async ensureLoaded). */
export interface CopyRequest {
  readonly modelId: string;
  readonly reason: CopyRequestReason;
  /** Last-used time the new copy is loaded with (epoch ms; in the future for scale-up, §3.4). */
  readonly lastUsedMs: number;
  /** Instances that must not receive the copy (current holders, busy instances, this one...). */
  readonly excludeInstanceIds: readonly string[];
  /** `tas.chain_load_count` (§5.3): the target starts this many further loads, one after another. */
  readonly chainCount: number;
  /** Prefer this instance when it is among the best targets (a balanced source, §2.2). */
  readonly preferSelf?: boolean;
}

/** What became of a {@link CopyRequest}. */
export type CopyRequestResult =
  | { readonly kind: "loading-here" }
  /** Placement chose another instance; `sent` tells whether the request went out. */
  | { readonly kind: "remote"; readonly instanceId: string; readonly sent: boolean }
  | { readonly kind: "skipped"; readonly reason: string };

/**
 * Starts the load of an extra copy (§5.2, §5.3, §9.3): the cluster duties decide that a copy is
 * wanted, a requester carries it out. The peer layer provides the implementation that forwards
 * "load here" to another instance; {@link createLocalCopyRequester} serves a single instance.
 */
export interface CopyRequester {
  /** Starts the load; resolves once it is initiated (never waits for the load itself). */
  requestCopy(request: CopyRequest): Promise<CopyRequestResult>;
}

/** What {@link createLocalCopyRequester} needs. */
export interface LocalCopyRequesterOptions {
  readonly ctx: MeshContext;
  readonly view: RoutingView;
  readonly constraints: TypeConstraints;
  /** This instance's record as it is now. */
  readonly freshSelf: () => InstanceRecord;
}

/**
 * A {@link CopyRequester} without a peer transport: it runs placement (§3, labels and type
 * constraints honoured) and loads the copy here when this instance is the target. When placement
 * picks another instance the request is logged and skipped, until the peer layer can forward it.
 */
export function createLocalCopyRequester(options: LocalCopyRequesterOptions): CopyRequester {
  const { ctx, view, constraints } = options;
  return {
    async requestCopy(request) {
      const record = ctx.registryMirror.get(request.modelId)?.value;
      if (record === undefined) return { kind: "skipped", reason: "not registered" };
      if (ctx.lifecycle.shuttingDown) return { kind: "skipped", reason: "shutting down" };
      const excluded = new Set(request.excludeInstanceIds);
      const allowed = constraints.allowedInstances(record.type);
      const preferred = constraints.preferredInstances(record.type);
      const placement = placeModel({
        table: view.context.instances,
        ...(excluded.has(ctx.selfId) ? {} : { selfRecord: options.freshSelf() }),
        model: record,
        lastUsedMs: request.lastUsedMs,
        balanced: request.preferSelf ?? false,
        explicitExcludes: excluded,
        ...(allowed === undefined ? {} : { allowedInstances: allowed }),
        ...(preferred === undefined ? {} : { preferredInstances: preferred }),
        nowMs: ctx.clock.nowMs(),
        random: ctx.random,
      });
      const decision = placement.decision;
      if (decision.kind === "none") return { kind: "skipped", reason: "no suitable instance" };
      if (decision.kind === "forward") {
        // The peer requester (when there is a peer transport) sends it on and logs that.
        ctx.logger.debug(
          { modelId: request.modelId, reason: request.reason, target: decision.instanceId },
          "placement chose another instance for the copy",
        );
        return { kind: "remote", instanceId: decision.instanceId, sent: false };
      }
      const loaded = await loadLocal(ctx, {
        modelId: request.modelId,
        record,
        lastUsedMs: request.lastUsedMs,
        requestDriven: false,
      });
      if (loaded.kind === "outcome") return { kind: "skipped", reason: loaded.outcome.kind };
      ctx.logger.info({ modelId: request.modelId, reason: request.reason }, "loading an extra copy here");
      return { kind: "loading-here" };
    },
  };
}
