import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import type { GRPCInferenceService, ModelInferRequest } from "@modelmesh/proto";
import { decodeInputs, encodeOutputs } from "../models/tensor-codec.js";
import type { ServableModel, Tensor, TensorSpec } from "../models/types.js";
import { isStarted, type RuntimeState } from "../runtime-state.js";
import { modelIdOf, withLoadedModel } from "./inference-call.js";
import { runtimeVersion } from "./model-runtime-service.js";

function tensorMetadata(spec: TensorSpec) {
  return { name: spec.name, datatype: spec.datatype, shape: spec.shape.map(BigInt) };
}

function callOf(context: HandlerContext, modelId: string) {
  return { method: `${context.service.typeName}/${context.method.name}`, modelId, signal: context.signal };
}

/** Runs a model, returning only the outputs the request asked for (all when it names none). */
function inferOutputs(model: ServableModel, request: ModelInferRequest): Tensor[] {
  const outputs = model.kind === "echo" ? decodeInputs(request) : model.infer(decodeInputs(request));
  const wanted = request.outputs.map((o) => o.name);
  const unknown = wanted.filter((name) => !outputs.some((t) => t.name === name));
  if (unknown.length > 0) {
    throw new ConnectError(`unknown output(s) ${unknown.join(", ")} requested`, Code.InvalidArgument);
  }
  return wanted.length === 0 ? [...outputs] : outputs.filter((t) => wanted.includes(t.name));
}

/**
 * KServe V2 `inference.GRPCInferenceService`: server and model health, metadata and ModelInfer.
 * The model comes from the `mm-model-id` header (through the mesh) or the request's model name.
 */
export function inferenceService(state: RuntimeState): ServiceImpl<typeof GRPCInferenceService> {
  return {
    serverLive: () => ({ live: true }),
    serverReady: () => ({ ready: isStarted(state) && state.config.status === "ready" }),
    serverMetadata: () => ({ name: "modelmesh-example-runtime", version: runtimeVersion, extensions: [] }),
    modelReady(request, context) {
      const modelId = modelIdOf(context.requestHeader, request.name);
      return { ready: state.registry.loaded(modelId) !== undefined };
    },
    modelMetadata(request, context) {
      const modelId = modelIdOf(context.requestHeader, request.name);
      return withLoadedModel(state, callOf(context, modelId), (model) => ({
        name: modelId,
        versions: ["1"],
        platform: `example-runtime/${model.kind}`,
        inputs: model.inputs.map(tensorMetadata),
        outputs: model.outputs.map(tensorMetadata),
      }));
    },
    modelInfer(request, context) {
      const modelId = modelIdOf(context.requestHeader, request.modelName);
      return withLoadedModel(state, callOf(context, modelId), (model) => {
        const { outputs, rawOutputContents } = encodeOutputs(
          inferOutputs(model, request),
          request.rawInputContents.length > 0,
        );
        return { modelName: modelId, modelVersion: "1", id: request.id, outputs, rawOutputContents };
      });
    },
  };
}
