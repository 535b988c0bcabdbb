import { MeshError } from "@modelmesh/core";
import type { LoadModelResponse } from "@modelmesh/proto";

/** What to load: the registered model's fields. */
export interface LoadModelArgs {
  readonly modelId: string;
  readonly modelType: string;
  readonly modelPath?: string;
  readonly modelKey?: string;
  /** Cancels the load (see `RuntimeModelManager.loadModel`). */
  readonly signal?: AbortSignal;
}

/** A finished load, as the runtime reported it. */
export interface LoadedModel {
  /** Memory used, bytes; 0 = unknown (ask `RuntimeModelManager.modelSize`). */
  readonly sizeBytes: number;
  /** With limitModelConcurrency: requests this copy may run at once (0 = not given). */
  readonly maxConcurrency: number;
}

/** One runtime call in flight for a model id. */
export interface PendingLoad {
  readonly promise: Promise<LoadModelResponse>;
  readonly controller: AbortController;
  settled: boolean;
}

/** Wraps a runtime load call, noting when it settles (a settled load is not cancelled any more). */
export function startPendingLoad(
  promise: Promise<LoadModelResponse>,
  controller: AbortController,
): PendingLoad {
  const pending: PendingLoad = { promise, controller, settled: false };
  const settle = () => {
    pending.settled = true;
  };
  promise.then(settle, settle);
  return pending;
}

/** The error of a load its caller cancelled. */
export function cancelledLoad(modelId: string, signal: AbortSignal): MeshError {
  return new MeshError("CANCELLED", `load of model ${modelId} cancelled`, { modelId, cause: signal.reason });
}

/** The loadModel / predictModelSize request fields. */
export function loadRequest(args: Omit<LoadModelArgs, "signal">) {
  return {
    modelId: args.modelId,
    modelType: args.modelType,
    modelPath: args.modelPath ?? "",
    modelKey: args.modelKey ?? "",
  };
}

/** `promise`, or a rejection as soon as `signal` aborts. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
