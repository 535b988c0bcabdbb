import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { ExamplePredictor, PredictRequest } from "@modelmesh/proto";
import type { Scored } from "../models/types.js";
import type { RuntimeState } from "../runtime-state.js";
import { modelIdOf, runTextCommand, withLoadedModel } from "./inference-call.js";

/**
 * The ExamplePredictor answer: the best category first, then the request's `modelName` as the
 * second result (so tests can see what the mesh injected, as the original), then the other
 * categories, best first.
 */
export function predictResults(scored: readonly Scored[], requestModelName: string): Scored[] {
  const [best, ...rest] = scored;
  return [...(best ? [best] : []), { category: requestModelName, confidence: 0 }, ...rest];
}

/** Runs one prediction for the model named by the headers or the request. */
export async function predictFor(
  state: RuntimeState,
  request: PredictRequest,
  context: { readonly headers: Headers; readonly signal: AbortSignal; readonly method: string },
): Promise<{ modelId: string; results: Scored[] }> {
  const modelId = modelIdOf(context.headers, request.modelName);
  const call = { method: context.method, modelId, signal: context.signal };
  return withLoadedModel(state, call, async (model) => {
    const canned = await runTextCommand(state, request.text, call);
    return { modelId, results: predictResults(canned ?? model.predictText(request.text), request.modelName) };
  });
}

function callOf(context: HandlerContext) {
  return {
    headers: context.requestHeader,
    signal: context.signal,
    method: `${context.service.typeName}/${context.method.name}`,
  };
}

/** Response header naming the `traceparent` the runtime received (for tracing tests). */
export const RECEIVED_TRACEPARENT_HEADER = "example-received-traceparent";

// Shows the caller which trace context reached the runtime: the mesh replaces the client's
// `traceparent` with its own span's when tracing is on.
function echoTraceparent(context: HandlerContext): void {
  const traceparent = context.requestHeader.get("traceparent");
  if (traceparent !== null) context.responseHeader.set(RECEIVED_TRACEPARENT_HEADER, traceparent);
}

/**
 * `mmesh.ExamplePredictor`: predict (which echoes a received `traceparent` in the
 * `example-received-traceparent` response header), and multiPredict (results keyed by model id,
 * so merges add up).
 */
export function predictorService(state: RuntimeState): ServiceImpl<typeof ExamplePredictor> {
  return {
    async predict(request, context) {
      echoTraceparent(context);
      const { results } = await predictFor(state, request, callOf(context));
      return { results };
    },
    async multiPredict(request, context) {
      const { modelId, results } = await predictFor(state, request, callOf(context));
      return { perModelResults: { [modelId]: { results } } };
    },
  };
}
