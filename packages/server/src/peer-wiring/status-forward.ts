import { MeshError, type ModelStatusDetails, type RouteState } from "@modelmesh/core";
import type { Performed } from "../routing/drive-route.js";
import { type ForwardStep, forwardContext, peerUnreachable } from "./forward-context.js";
import type { PeerLink } from "./peer-link.js";

/** What a status or ensureLoaded route asks of the peer it forwards to. */
export interface StatusForwardOptions {
  /** ensureLoaded: make sure a copy is loaded or loading; false = status only. */
  readonly load: boolean;
  readonly sync: boolean;
  readonly lastUsedMs: number;
  readonly excludeInstances: readonly string[];
  readonly signal?: AbortSignal;
  readonly deadlineMs?: number;
}

/**
 * Performs a forward-hit or forward-load step of a status / ensureLoaded route with the peer's
 * `ModelStatus` operation. The peer's answer ends the route; its typed error goes back to
 * routing, which tries the next copy or target.
 */
export async function forwardStatus(
  link: PeerLink,
  options: StatusForwardOptions,
  step: ForwardStep,
  state: RouteState,
): Promise<Performed<ModelStatusDetails>> {
  const peer = link.refOf(step.instanceId);
  if (peer === undefined) {
    return { done: false, outcome: { kind: "failed", error: peerUnreachable(step.instanceId) } };
  }
  try {
    const answer = await link.client.modelStatus(
      peer,
      {
        context: forwardContext(step, state),
        load: options.load,
        sync: options.sync,
        lastUsedMs: options.lastUsedMs,
        excludeInstances: options.excludeInstances,
      },
      {
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.deadlineMs === undefined ? {} : { deadlineMs: options.deadlineMs }),
      },
    );
    const { instanceId: _answeredBy, ...details } = answer;
    return { done: true, value: details };
  } catch (error) {
    return {
      done: false,
      outcome: { kind: "failed", error: statusFailure(error, step.instanceId, options) },
    };
  }
}

/**
 * The routing error of a failed peer status call. A `CANCELLED` that this side did not ask for
 * (the signal is not aborted) is the connection being dropped under the call (an RST_STREAM
 * from a dying or foreign peer), so it is retryable `INSTANCE_UNAVAILABLE`, not the client's
 * cancellation.
 */
function statusFailure(error: unknown, instanceId: string, options: StatusForwardOptions): MeshError {
  const failure = MeshError.from(error);
  if (failure.code !== "CANCELLED" || options.signal?.aborted === true) return failure;
  return new MeshError(
    "INSTANCE_UNAVAILABLE",
    `instance ${instanceId} dropped the call: ${failure.message}`,
    {
      instanceId,
      cause: failure,
    },
  );
}
