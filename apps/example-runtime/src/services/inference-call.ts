import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import type { NotFoundBehaviour } from "../config.js";
import { parseTextCommand } from "../knobs.js";
import { type Scored, type ServableModel, TensorError } from "../models/types.js";
import type { RuntimeState } from "../runtime-state.js";

/**
 * The model an inference call is for: the `mm-model-id` header the mesh adds (or its `-bin`
 * form), else the id named in the request body (`fallback`).
 */
export function modelIdOf(headers: Headers, fallback: string): string {
  const plain = headers.get("mm-model-id");
  if (plain !== null && plain !== "") return plain;
  const binary = headers.get("mm-model-id-bin");
  if (binary !== null && binary !== "") return Buffer.from(binary, "base64").toString("utf8");
  return fallback;
}

/**
 * The error for a model that is not loaded: NOT_FOUND, or the forms Triton (UNAVAILABLE) and
 * MLServer (INVALID_ARGUMENT) use, which the mesh must recognise too (§2.6.5).
 */
export function notLoadedError(modelId: string, behaviour: NotFoundBehaviour): ConnectError {
  switch (behaviour) {
    case "triton":
      return new ConnectError(`Request for unknown model: '${modelId}' is not found`, Code.Unavailable);
    case "mlserver":
      return new ConnectError(`Model ${modelId} with version  not found`, Code.InvalidArgument);
    case "grpc":
      return new ConnectError(`model ${modelId} is not loaded`, Code.NotFound);
    default: {
      const never: never = behaviour;
      throw new Error(`unknown behaviour ${String(never)}`);
    }
  }
}

/** Facts about one inference call, for cancellation log lines. */
export interface CallInfo {
  readonly method: string;
  readonly modelId: string;
  readonly signal: AbortSignal;
}

/**
 * Runs `work` against the loaded model `modelId`, holding one of its concurrency slots: a model
 * that is not loaded gets {@link notLoadedError}; beyond `--max-concurrency` calls in flight the
 * call is refused with RESOURCE_EXHAUSTED (the mesh is expected to queue, §5.4).
 */
export async function withLoadedModel<T>(
  state: RuntimeState,
  call: CallInfo,
  work: (model: ServableModel) => T | Promise<T>,
): Promise<T> {
  const slot = state.registry.loaded(call.modelId);
  if (slot === undefined) throw notLoadedError(call.modelId, state.config.notFoundBehaviour);
  const max = state.config.maxConcurrency;
  if (max > 0 && slot.inFlight >= max) {
    throw new ConnectError(
      `model ${call.modelId} is at its max concurrency of ${max}`,
      Code.ResourceExhausted,
    );
  }
  slot.inFlight++;
  state.requestCount++;
  try {
    return await work(slot.model);
  } catch (error) {
    if (error instanceof TensorError) throw new ConnectError(error.message, Code.InvalidArgument);
    throw error;
  } finally {
    slot.inFlight--;
  }
}

/**
 * Acts on a `test:` command in a predict text (after the model lookup, as the original): purge,
 * a chosen error, a delay that ends early — and is logged as `call-cancelled` — when the
 * caller cancels or its deadline passes, or a sized answer. Returns the scores to answer instead
 * of the model's (`test:answer-bytes:<n>`), else undefined.
 */
export async function runTextCommand(
  state: RuntimeState,
  text: string,
  call: CallInfo,
): Promise<Scored[] | undefined> {
  const command = parseTextCommand(text);
  switch (command.t) {
    case "none":
      return undefined;
    case "purge-models":
      state.registry.purge();
      return undefined;
    case "answer-bytes":
      return [{ category: "x".repeat(command.bytes), confidence: 1 }];
    case "error":
      throw new ConnectError(command.message, command.code);
    case "invalid":
      throw new ConnectError(command.reason, Code.InvalidArgument);
    case "delay":
      state.log.event("delay-started", { method: call.method, modelId: call.modelId, ms: command.ms });
      try {
        await sleep(command.ms, undefined, { signal: call.signal });
      } catch (error) {
        const reason = call.signal.reason instanceof ConnectError ? Code[call.signal.reason.code] : "aborted";
        state.log.event("call-cancelled", { method: call.method, modelId: call.modelId, reason });
        throw error;
      }
      return undefined;
    default: {
      const never: never = command;
      throw new Error(`unknown command ${String(never)}`);
    }
  }
}
