import { MeshError, type RouteState, type RouteStep } from "@modelmesh/core";
import type { PeerRoutingContext } from "../peer/routing-context.js";

/** A routing step that sends the request to another instance. */
export type ForwardStep = Extract<RouteStep, { kind: "forward-hit" | "forward-load" }>;

/**
 * The routing context that travels with a forwarded step (§2.3): `hit_only` to a holder with the
 * copies tried so far, or `load_local_only` to a load target with the step's exclusion lists.
 * The destination id lets an instance now answering on that address refuse with not-here.
 */
export function forwardContext(step: ForwardStep, state: RouteState): PeerRoutingContext {
  const modelId = state.request.modelId;
  if (step.kind === "forward-hit") {
    return {
      modelId,
      hop: "hit_only",
      cacheHitExcludes: state.hitExcludes,
      cacheMissExcludes: state.attempted,
      chainLoadCount: 0,
      weight: 1,
      destinationInstanceId: step.instanceId,
    };
  }
  return {
    modelId,
    hop: "load_local_only",
    cacheHitExcludes: step.cacheHitExcludes,
    cacheMissExcludes: step.cacheMissExcludes,
    chainLoadCount: 0,
    weight: 1,
    destinationInstanceId: step.instanceId,
  };
}

/** The retryable error of a step whose peer cannot be reached (no peer service, or it left the table). */
export function peerUnreachable(instanceId: string): MeshError {
  return new MeshError("INSTANCE_UNAVAILABLE", `instance ${instanceId} cannot be reached`, { instanceId });
}
