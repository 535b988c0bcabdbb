import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http2";
import {
  type Attributes,
  type Context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";

/** Span attribute: the concrete model id a span is about. */
export const MODEL_ID_ATTRIBUTE = "modelmesh.model_id";
/** Span attribute: the vmodel id the client named, when it named one. */
export const VMODEL_ID_ATTRIBUTE = "modelmesh.vmodel_id";
/** Span attribute: the instance a call was forwarded to. */
export const PEER_INSTANCE_ATTRIBUTE = "modelmesh.peer_instance_id";

/**
 * The span names the mesh records. One inference call gives `modelmesh.inference` (server span,
 * child of the client's `traceparent`), `modelmesh.route` per model routed, then
 * `modelmesh.runtime_call` (client span: the runtime receives its `traceparent`) or
 * `modelmesh.forward` (client span to another instance, whose own `modelmesh.inference` span is
 * its child). A cache miss adds `modelmesh.load_queue` (waiting for a loading slot) and
 * `modelmesh.load` (the runtime load and sizing).
 */
export const SpanNames = {
  inference: "modelmesh.inference",
  route: "modelmesh.route",
  runtimeCall: "modelmesh.runtime_call",
  forward: "modelmesh.forward",
  loadQueue: "modelmesh.load_queue",
  load: "modelmesh.load",
} as const;

/** How a span relates to the call: received, sent, or work inside this process. */
export type MeshSpanKind = "server" | "client" | "internal";

const kinds: Record<MeshSpanKind, SpanKind> = {
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  internal: SpanKind.INTERNAL,
};

/** Where a new span hangs: under `parent` (a context holding a span), or under `headers`' traceparent. */
export type SpanParent = { readonly parent: Context } | { readonly headers: IncomingHttpHeaders };

/**
 * Starts a span. The trace context is passed explicitly (no context manager): an
 * AsyncLocalStorage one would make every promise of the process slower on Node 20.
 */
export function startMeshSpan(
  tracer: Tracer,
  name: string,
  options: SpanParent & { kind: MeshSpanKind; attributes?: Attributes },
): Span {
  const parent = "parent" in options ? options.parent : propagation.extract(ROOT_CONTEXT, options.headers);
  const spanOptions =
    options.attributes === undefined
      ? { kind: kinds[options.kind] }
      : { kind: kinds[options.kind], attributes: options.attributes };
  return tracer.startSpan(name, spanOptions, parent);
}

/** `parent` with `span` as its current span: the parent of spans started under it. */
export function childContext(parent: Context, span: Span): Context {
  return trace.setSpan(parent, span);
}

/** Ends `span`, with an error status when `error` is given. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
  }
  span.end();
}

/**
 * Runs `fn` inside a new span, child of `parent`, and ends it when the promise settles, marking it
 * failed when `fn` rejects or `failed` says the result is a failure. `fn` gets the span and the
 * context to start its own child spans under.
 */
export async function inSpan<T>(
  tracer: Tracer,
  name: string,
  options: { parent: Context; kind: MeshSpanKind; attributes?: Attributes; failed?: (result: T) => unknown },
  fn: (span: Span, context: Context) => Promise<T>,
): Promise<T> {
  const span = startMeshSpan(tracer, name, options);
  try {
    const result = await fn(span, childContext(options.parent, span));
    endSpan(span, options.failed?.(result));
    return result;
  } catch (error) {
    endSpan(span, error);
    throw error;
  }
}

/**
 * `headers` with `traceparent` (and `tracestate`) naming `span`, replacing the client's: the
 * receiver (runtime or peer) continues the trace from the mesh's span. A copy; `headers` is kept.
 */
export function withTraceHeaders<H extends OutgoingHttpHeaders | IncomingHttpHeaders>(
  headers: H,
  span: Span,
): H {
  const out = { ...headers };
  delete out.traceparent;
  delete out.tracestate;
  propagation.inject(trace.setSpan(ROOT_CONTEXT, span), out);
  return out;
}
