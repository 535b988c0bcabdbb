import type { RouteState } from "@modelmesh/core";
import type { ForwardRequest } from "@modelmesh/runtime-client";
import type { Tracer } from "@opentelemetry/api";
import type { InferenceCall } from "../inference/inference-route.js";
import type { Performed } from "../routing/drive-route.js";
import { MODEL_ID_ATTRIBUTE, PEER_INSTANCE_ATTRIBUTE, SpanNames } from "../tracing/mesh-spans.js";
import { tracedSend } from "../tracing/traced-calls.js";
import { type ForwardStep, forwardContext, peerUnreachable } from "./forward-context.js";
import type { PeerLink } from "./peer-link.js";

/**
 * Performs a forward-hit or forward-load step of an inference route: sends the call's bytes to
 * the peer with the step's routing context and relays its answer to the client. A failure before
 * any response byte (not here, load failure, unreachable peer) goes back to routing, which tries
 * the next copy or target as the core decides.
 */
export async function forwardInference<T>(
  link: PeerLink,
  tracer: Tracer | undefined,
  call: InferenceCall<T>,
  step: ForwardStep,
  state: RouteState,
): Promise<Performed<T>> {
  const peer = link.refOf(step.instanceId);
  if (peer === undefined) {
    return { done: false, outcome: { kind: "failed", error: peerUnreachable(step.instanceId) } };
  }
  const binding = link.client.bind(peer, forwardContext(step, state));
  const request: ForwardRequest = {
    path: call.path,
    headers: call.headers,
    body: call.body,
    signal: call.signal,
    ...(call.deadlineMs === undefined ? {} : { timeoutMs: call.deadlineMs - Date.now() }),
  };
  const attributes = { [MODEL_ID_ATTRIBUTE]: call.modelId, [PEER_INSTANCE_ATTRIBUTE]: step.instanceId };
  const result =
    tracer === undefined || call.trace === undefined
      ? await call.send(request, binding)
      : await tracedSend(tracer, SpanNames.forward, { parent: call.trace, attributes }, request, (r) =>
          call.send(r, binding),
        );
  if (result.kind === "done") return { done: true, value: result.value };
  return { done: false, outcome: { kind: "failed", error: result.error } };
}
