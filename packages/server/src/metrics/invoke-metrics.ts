import { performance } from "node:perf_hooks";
import { grpcCodeName } from "@modelmesh/runtime-client";
import type { CopyEntry } from "../cache/copy-data.js";
import { toGrpcStatus } from "../edge/grpc-status.js";
import type { InferenceCall, Sent } from "../inference/inference-route.js";
import type { MeshContext } from "../mesh-context.js";

/** One local runtime call that ended, with what its metrics need. */
export interface InvokeOutcome {
  readonly call: InferenceCall<unknown>;
  readonly entry: CopyEntry;
  readonly result: Sent<unknown>;
  /** `performance.now()` when the runtime call started. */
  readonly invokeStartMs: number;
  /** `performance.now()` when the call started waiting for the copy's load (a cache miss). */
  readonly missStartMs: number | undefined;
}

/**
 * Reports a local runtime call (the `invoke_model` metric; sizes are not measured for it, as
 * in the original) and, for the call that waited for the copy's load, the cold-start overhead:
 * its whole wait plus call minus the time the runtime spent in `loadModel`.
 */
export function recordInvoke(ctx: MeshContext, outcome: InvokeOutcome): void {
  const { call, result } = outcome;
  const nowMs = performance.now();
  const code = result.kind === "done" ? "OK" : grpcCodeName(toGrpcStatus(result.error).code);
  ctx.metrics.invokeModel({
    method: call.path.slice(1),
    code,
    elapsedMs: nowMs - outcome.invokeStartMs,
    requestBytes: -1,
    responseBytes: -1,
    modelId: call.modelId,
    vModelId: call.vModelId ?? "",
  });
  const data = outcome.entry.data;
  // Only the first answered call after the load counts: it then marks the copy as reported.
  if (outcome.missStartMs !== undefined && result.kind === "done" && data.loadTookMs >= 0) {
    const overheadMs = nowMs - outcome.missStartMs - data.loadTookMs;
    data.loadTookMs = -1;
    ctx.metrics.coldStart(call.modelId, Math.max(0, overheadMs));
  }
}
