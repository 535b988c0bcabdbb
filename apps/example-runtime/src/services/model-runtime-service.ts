import { stat } from "node:fs/promises";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { type ModelRuntime, RuntimeStatusResponse_Status } from "@modelmesh/proto";
import { parseModelPath } from "../knobs.js";
import { resolveModelFile } from "../models/model-file.js";
import { isStarted, type RuntimeState } from "../runtime-state.js";

/** Reported as runtimeVersion. */
export const runtimeVersion = "modelmesh-example-runtime/0.1";

function statusResponse(state: RuntimeState) {
  const { config } = state;
  if (!isStarted(state)) return { status: RuntimeStatusResponse_Status.STARTING };
  if (config.status === "failing") return { status: RuntimeStatusResponse_Status.FAILING };
  // The mesh starts with an empty cache, so a READY answer must come with nothing loaded (§8.2).
  state.registry.purge();
  const methodInfos = Object.fromEntries(
    Object.entries(config.methodInfos ?? {}).map(([method, path]) => [
      method,
      { idInjectionPath: [...path] },
    ]),
  );
  return {
    status: RuntimeStatusResponse_Status.READY,
    capacityInBytes: BigInt(config.capacityBytes),
    maxLoadingConcurrency: config.loadingConcurrency,
    modelLoadingTimeoutMs: config.loadTimeoutMs,
    defaultModelSizeInBytes: BigInt(config.defaultModelSizeBytes),
    runtimeVersion,
    methodInfos,
    allowAnyMethod: config.allowAnyMethod,
    limitModelConcurrency: config.maxConcurrency > 0,
  };
}

/** A quick guess from the model path alone: the knob's size, or twice the model file's size. */
async function predictSize(state: RuntimeState, modelPath: string): Promise<number> {
  const knob = parseModelPath(modelPath);
  if (knob.t === "size") return knob.sizeBytes;
  if (knob.t === "fail") return state.config.defaultModelSizeBytes;
  const file = await resolveModelFile(knob.path, state.config.modelsDir).catch(() => undefined);
  const info = file === undefined ? undefined : await stat(file).catch(() => undefined);
  return info === undefined ? state.config.defaultModelSizeBytes : 2 * info.size;
}

/** `mmesh.ModelRuntime`: what the mesh calls to drive this runtime. */
export function modelRuntimeService(state: RuntimeState): ServiceImpl<typeof ModelRuntime> {
  return {
    runtimeStatus: () => statusResponse(state),
    async loadModel(request, context) {
      const result = await state.registry.load(request.modelId, request.modelPath, context.signal);
      return {
        sizeInBytes: BigInt(Math.max(0, result.sizeInLoadResponse)),
        maxConcurrency: state.config.maxConcurrency,
      };
    },
    async unloadModel(request) {
      if (state.unloadFailuresLeft > 0) {
        state.unloadFailuresLeft--;
        state.log.event("unload-failed", {
          modelId: request.modelId,
          failuresLeft: state.unloadFailuresLeft,
        });
        throw new ConnectError(`simulated unload failure of model ${request.modelId}`, Code.Internal);
      }
      const held = await state.registry.unload(request.modelId);
      if (!held) state.log.event("unload-unknown", { modelId: request.modelId });
      if (!held && state.config.unloadReturnNotFound) {
        throw new ConnectError(`model ${request.modelId} is not loaded`, Code.NotFound);
      }
      return {};
    },
    async predictModelSize(request) {
      state.log.event("predict-size", { modelId: request.modelId });
      if (state.config.predictSizeUnimplemented) {
        throw new ConnectError("predictModelSize is not implemented", Code.Unimplemented);
      }
      return { sizeInBytes: BigInt(await predictSize(state, request.modelPath)) };
    },
    modelSize(request) {
      state.log.event("model-size", { modelId: request.modelId });
      const slot = state.registry.loaded(request.modelId);
      if (slot === undefined) throw new ConnectError(`model ${request.modelId} is not loaded`, Code.NotFound);
      return { sizeInBytes: BigInt(slot.model.sizeBytes) };
    },
  };
}
