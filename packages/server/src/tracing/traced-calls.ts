import type { IncomingHttpHeaders } from "node:http2";
import type { MeshError } from "@modelmesh/core";
import type { ForwardRequest } from "@modelmesh/runtime-client";
import { type Attributes, context, type Tracer, trace } from "@opentelemetry/api";
import {
  endSpan,
  inSpan,
  MODEL_ID_ATTRIBUTE,
  SpanNames,
  startMeshSpan,
  VMODEL_ID_ATTRIBUTE,
  withActiveSpan,
  withTraceHeaders,
} from "./mesh-spans.js";

/** A send result: failed ones mark the span as an error. */
type SendResult = { readonly kind: "done" } | { readonly kind: "failed"; readonly error: MeshError };

/**
 * Sends `request` inside a client span (`modelmesh.runtime_call` or `modelmesh.forward`) whose
 * context replaces the request's `traceparent`, so the receiver continues the trace from it.
 */
export function tracedSend<R extends SendResult>(
  tracer: Tracer,
  name: typeof SpanNames.runtimeCall | typeof SpanNames.forward,
  attributes: Attributes,
  request: ForwardRequest,
  send: (request: ForwardRequest) => Promise<R>,
): Promise<R> {
  return inSpan(
    tracer,
    name,
    { kind: "client", attributes, failed: (result) => (result.kind === "failed" ? result.error : undefined) },
    (span) => send({ ...request, headers: withTraceHeaders(request.headers, span) }),
  );
}

/**
 * Runs one received inference call (from a client, or forwarded by a peer) inside a
 * `modelmesh.inference` server span, child of the caller's `traceparent` when it sent one.
 */
export function tracedInference(
  tracer: Tracer,
  call: { readonly headers: IncomingHttpHeaders; readonly path: string; readonly modelId?: string },
  run: () => Promise<void>,
): Promise<void> {
  const span = startMeshSpan(tracer, SpanNames.inference, {
    kind: "server",
    headers: call.headers,
    attributes: {
      "rpc.system": "grpc",
      "rpc.method": call.path.slice(1),
      ...(call.modelId === undefined ? {} : { [MODEL_ID_ATTRIBUTE]: call.modelId }),
    },
  });
  // Not sampled: nothing to record, and the receivers get the caller's headers untouched.
  if (!span.isRecording()) return run();
  return withActiveSpan(span, run).then(
    () => endSpan(span),
    (error: unknown) => {
      endSpan(span, error);
      throw error;
    },
  );
}

/** Adds the model (or vmodel) id the client named to the active inference span. */
export function tagRequestedModel(id: string, isVModel: boolean): void {
  trace.getActiveSpan()?.setAttribute(isVModel ? VMODEL_ID_ATTRIBUTE : MODEL_ID_ATTRIBUTE, id);
}

/**
 * Wraps a queued load: `modelmesh.load_queue` runs from now until the load gets its slot, then
 * `modelmesh.load` covers the load itself; both are children of the span active now (the call
 * that asked for the load), even though the queue starts the load later from elsewhere.
 */
export function tracedLoad(tracer: Tracer, modelId: string, run: () => Promise<void>): () => Promise<void> {
  const parent = context.active();
  const attributes = { [MODEL_ID_ATTRIBUTE]: modelId };
  const queued = startMeshSpan(tracer, SpanNames.loadQueue, { kind: "internal", attributes });
  return () => {
    endSpan(queued);
    return context.with(parent, () => inSpan(tracer, SpanNames.load, { kind: "internal", attributes }, run));
  };
}
