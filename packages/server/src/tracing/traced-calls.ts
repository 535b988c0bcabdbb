import type { IncomingHttpHeaders } from "node:http2";
import type { MeshError } from "@modelmesh/core";
import type { ForwardRequest } from "@modelmesh/runtime-client";
import { type Attributes, type Context, ROOT_CONTEXT, type Tracer, trace } from "@opentelemetry/api";
import {
  childContext,
  endSpan,
  inSpan,
  MODEL_ID_ATTRIBUTE,
  SpanNames,
  startMeshSpan,
  VMODEL_ID_ATTRIBUTE,
  withTraceHeaders,
} from "./mesh-spans.js";

/** A send result: failed ones mark the span as an error. */
type SendResult = { readonly kind: "done" } | { readonly kind: "failed"; readonly error: MeshError };

/**
 * Sends `request` inside a client span (`modelmesh.runtime_call` or `modelmesh.forward`), child
 * of `parent`, whose context replaces the request's `traceparent`: the receiver continues the
 * trace from it.
 */
export function tracedSend<R extends SendResult>(
  tracer: Tracer,
  name: typeof SpanNames.runtimeCall | typeof SpanNames.forward,
  span: { readonly parent: Context; readonly attributes: Attributes },
  request: ForwardRequest,
  send: (request: ForwardRequest) => Promise<R>,
): Promise<R> {
  return inSpan(
    tracer,
    name,
    {
      parent: span.parent,
      kind: "client",
      attributes: span.attributes,
      failed: (result) => (result.kind === "failed" ? result.error : undefined),
    },
    (client) => send({ ...request, headers: withTraceHeaders(request.headers, client) }),
  );
}

/**
 * Runs one received inference call (from a client, or forwarded by a peer) inside a
 * `modelmesh.inference` server span, child of the caller's `traceparent` when it sent one. `run`
 * gets the context to start the call's spans under, or `undefined` when the sampler did not
 * sample the call: then no other span is started and headers go on untouched.
 */
export function tracedInference(
  tracer: Tracer,
  call: { readonly headers: IncomingHttpHeaders; readonly path: string; readonly modelId?: string },
  run: (trace: Context | undefined) => Promise<void>,
): Promise<void> {
  // Attributes are added once the span is known to record: an unsampled call (the common case
  // with a low sampling ratio) then costs little more than the sampling decision.
  const span = startMeshSpan(tracer, SpanNames.inference, { kind: "server", headers: call.headers });
  // Not sampled: nothing to record, and the receivers get the caller's headers untouched.
  if (!span.isRecording()) return run(undefined);
  span.setAttributes({
    "rpc.system": "grpc",
    "rpc.method": call.path.slice(1),
    ...(call.modelId === undefined ? {} : { [MODEL_ID_ATTRIBUTE]: call.modelId }),
  });
  return run(childContext(ROOT_CONTEXT, span)).then(
    () => endSpan(span),
    (error: unknown) => {
      endSpan(span, error);
      throw error;
    },
  );
}

/** Adds the model (or vmodel) id the client named to the call's inference span. */
export function tagRequestedModel(call: Context, id: string, isVModel: boolean): void {
  trace.getSpan(call)?.setAttribute(isVModel ? VMODEL_ID_ATTRIBUTE : MODEL_ID_ATTRIBUTE, id);
}

/**
 * Wraps a load queued for a sampled call: `modelmesh.load_queue` runs from now until the load
 * gets its slot, then `modelmesh.load` covers the load itself; both are children of `parent` (the
 * call's route), although the queue starts the load later and from elsewhere.
 */
export function tracedLoad(
  tracer: Tracer,
  parent: Context,
  modelId: string,
  run: () => Promise<void>,
): () => Promise<void> {
  const attributes = { [MODEL_ID_ATTRIBUTE]: modelId };
  const queued = startMeshSpan(tracer, SpanNames.loadQueue, { parent, kind: "internal", attributes });
  return () => {
    endSpan(queued);
    return inSpan(tracer, SpanNames.load, { parent, kind: "internal", attributes }, run);
  };
}
