import { MeshError, type ModelStatusDetails } from "@modelmesh/core";
import { methodPolicy } from "@modelmesh/runtime-client";
import type { Context } from "@opentelemetry/api";
import { routeInference } from "../inference/inference-route.js";
import { readRequestBody } from "../inference/read-request.js";
import { relayCall } from "../inference/relay-call.js";
import { dataplaneRule } from "../inference/resolve-models.js";
import type { StreamLimits } from "../inference/stream-limits.js";
import type { MeshContext } from "../mesh-context.js";
import type { DataplaneConfig } from "../model-mesh.js";
import type { PeerRoutingContext } from "../peer/routing-context.js";
import type { ForwardedInference, PeerCallScope, PeerHandler, PeerStatusRequest } from "../peer/types.js";
import type { RoutingView } from "../routing/routing-view.js";
import { ensureLoaded, modelStatus, type PeerHopFacts } from "../routing/status-route.js";
import { tracedInference } from "../tracing/traced-calls.js";

/** What the mesh's {@link PeerHandler} needs. */
export interface MeshPeerHandlerOptions {
  readonly ctx: MeshContext;
  readonly view: RoutingView;
  readonly maxMessageBytes: number;
  /** Request body timeout and stalled-reader limit of each forwarded call, as on the serving port. */
  readonly streamLimits: StreamLimits;
  /** False until the mesh has started: calls are refused (retryable). */
  readonly started: () => boolean;
  /** `MM_DATAPLANE_CONFIG` now: its method allow-list applies to forwarded calls as on the serving port. */
  readonly dataplane?: () => DataplaneConfig | undefined;
}

function hopFacts(context: PeerRoutingContext, excludeInstances: readonly string[] = []): PeerHopFacts {
  return {
    hop: context.hop,
    cacheHitExcludes: context.cacheHitExcludes,
    cacheMissExcludes: context.cacheMissExcludes,
    ...(excludeInstances.length === 0 ? {} : { explicitExcludes: new Set(excludeInstances) }),
  };
}

/**
 * The receiving side of the peer protocol for one mesh instance: a forwarded call is routed from
 * here with the hop it arrived with (`hit_only`: the local copy or `MODEL_NOT_HERE`;
 * `load_local_only`: load here, or forward `hit_only` to a copy not tried yet) and its answer is
 * relayed to the sender byte for byte; a status call runs the status / ensureLoaded route with
 * the received context. Counts its calls in flight so shutdown can wait for them.
 */
export class MeshPeerHandler implements PeerHandler {
  readonly #options: MeshPeerHandlerOptions;
  #inFlight = 0;
  readonly #idleWaiters: (() => void)[] = [];

  constructor(options: MeshPeerHandlerOptions) {
    this.#options = options;
  }

  /** Peer calls being served now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Resolves once no peer call is being served (at once when none is). */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * The serving port's method policy (the runtime's allow-list, which never admits
   * `mmesh.ModelRuntime`, then the dataplane config's): UNIMPLEMENTED for a method it refuses.
   */
  checkForwardedMethod(method: string): MeshError | undefined {
    const policy = methodPolicy(this.#options.ctx.runtime.parameters, method);
    if (policy.t === "denied") return new MeshError("UNIMPLEMENTED", policy.message);
    try {
      dataplaneRule(this.#options.dataplane?.(), method);
    } catch (error) {
      return MeshError.from(error);
    }
    return undefined;
  }

  modelStatus(request: PeerStatusRequest, scope: PeerCallScope): Promise<ModelStatusDetails> {
    return this.#counted(async () => {
      const { ctx, view } = this.#options;
      const hop = hopFacts(request.context, request.excludeInstances);
      const modelId = request.context.modelId;
      if (!request.load) return modelStatus(ctx, view, modelId, hop);
      return ensureLoaded(ctx, view, modelId, {
        lastUsedMs: request.lastUsedMs,
        sync: request.sync,
        balanced: false,
        signal: scope.signal,
        ...(scope.deadlineMs === undefined ? {} : { deadlineMs: scope.deadlineMs }),
        hop,
      });
    });
  }

  serveForwarded(call: ForwardedInference): Promise<void> {
    return this.#counted(async () => {
      const { ctx } = this.#options;
      if (ctx.tracer === undefined) return this.#routeForwarded(call);
      const traced = { headers: call.headers, path: call.path, modelId: call.context.modelId };
      return tracedInference(ctx.tracer, traced, (trace) => this.#routeForwarded(call, trace));
    });
  }

  async #routeForwarded(call: ForwardedInference, trace?: Context): Promise<void> {
    const { ctx, view, maxMessageBytes, streamLimits } = this.#options;
    const body = await readRequestBody(call.request, maxMessageBytes, streamLimits.requestBodyTimeoutMs);
    await routeInference(ctx, view, {
      modelId: call.context.modelId,
      path: call.path,
      headers: call.headers,
      body,
      balanced: false,
      deadlineMs: call.deadlineMs,
      signal: call.signal,
      hop: hopFacts(call.context),
      ...(trace === undefined ? {} : { trace }),
      send: (request, via) =>
        relayCall(via ?? ctx.runtime.forwarder, request, call.stream, {
          stallTimeoutMs: streamLimits.stallTimeoutMs,
          onLateFailure: (error) =>
            ctx.logger.warn(
              { modelId: call.context.modelId, reason: error.message },
              "call failed after part of the answer was sent",
            ),
        }),
    });
  }

  async #counted<T>(work: () => Promise<T>): Promise<T> {
    if (!this.#options.started()) {
      throw new MeshError("INSTANCE_UNAVAILABLE", `instance ${this.#options.ctx.selfId} is not ready`, {
        instanceId: this.#options.ctx.selfId,
      });
    }
    this.#inFlight++;
    try {
      return await work();
    } finally {
      this.#inFlight--;
      if (this.#inFlight === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
    }
  }
}
