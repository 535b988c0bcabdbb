import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import { parseModelPath } from "./knobs.js";
import type { EventLog } from "./log.js";
import { echoModel } from "./models/echo.js";
import { loadModelFile, resolveModelFile } from "./models/model-file.js";
import { ModelFileError, type ServableModel } from "./models/types.js";

/** A model in the runtime: still loading (cancellable), or loaded and serving. */
type Slot =
  | { readonly t: "loading"; readonly controller: AbortController; readonly done: Promise<LoadResult> }
  | { readonly t: "loaded"; readonly model: ServableModel; readonly unloadMs: number; inFlight: number };

/** What a finished load reports to the mesh. */
export interface LoadResult {
  /** Size for LoadModelResponse: 0 for simulated models, so the mesh asks modelSize (as the original). */
  readonly sizeInLoadResponse: number;
  readonly model: ServableModel;
}

/** Options for {@link ModelRegistry}. */
export interface ModelRegistryOptions {
  /** Folder relative model paths are read from. */
  readonly modelsDir: string;
  /** Size of `FAIL_` models once they load, bytes (the runtime's default model size). */
  readonly defaultModelSizeBytes: number;
  readonly log: EventLog;
}

/**
 * The models this runtime holds. Loads honour cancellation (a cancelled load leaves nothing
 * behind), unloads of a loading model cancel it, and `purge` forgets everything (used before
 * answering READY, §8.2, and by `test:purge-models`).
 */
export class ModelRegistry {
  readonly #slots = new Map<string, Slot>();
  /** Load attempts per model id, so `FAIL_` fails only the first one (as the original). */
  readonly #loadCounts = new Map<string, number>();
  readonly #options: ModelRegistryOptions;

  constructor(options: ModelRegistryOptions) {
    this.#options = options;
  }

  /** The loaded model, or undefined when the id is not loaded (or still loading). */
  loaded(modelId: string): { readonly model: ServableModel; inFlight: number } | undefined {
    const slot = this.#slots.get(modelId);
    return slot?.t === "loaded" ? slot : undefined;
  }

  /** Ids of loaded models. */
  loadedIds(): string[] {
    return [...this.#slots].filter(([, slot]) => slot.t === "loaded").map(([id]) => id);
  }

  /** Loads a model; resolves when it can serve. `signal` cancels (nothing stays loaded). */
  async load(modelId: string, modelPath: string, signal: AbortSignal): Promise<LoadResult> {
    this.#options.log.event("load-started", { modelId, modelPath });
    const existing = this.#slots.get(modelId);
    if (existing?.t === "loaded")
      return { sizeInLoadResponse: existing.model.sizeBytes, model: existing.model };
    if (existing?.t === "loading") return existing.done;
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    const done = this.#loadModel(modelId, modelPath, controller.signal);
    const slot: Slot = { t: "loading", controller, done };
    this.#slots.set(modelId, slot);
    try {
      const result = await done;
      // An unload or purge during the load aborts it; never let a late result reappear.
      if (this.#slots.get(modelId) !== slot || controller.signal.aborted) throw controller.signal.reason;
      this.#slots.set(modelId, {
        t: "loaded",
        model: result.model,
        unloadMs: this.#unloadMs(modelPath),
        inFlight: 0,
      });
      this.#options.log.event("model-loaded", { modelId, modelPath, sizeBytes: result.model.sizeBytes });
      return result;
    } catch (error) {
      if (this.#slots.get(modelId) === slot) this.#slots.delete(modelId);
      const cancelled = controller.signal.aborted;
      this.#options.log.event(cancelled ? "load-cancelled" : "load-failed", { modelId, modelPath });
      throw cancelled ? new ConnectError(`load of model ${modelId} was cancelled`, Code.Canceled) : error;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  /**
   * Unloads a model, cancelling it if still loading. Returns false when the id was not held.
   */
  async unload(modelId: string): Promise<boolean> {
    const slot = this.#slots.get(modelId);
    if (slot === undefined) return false;
    this.#slots.delete(modelId);
    if (slot.t === "loading") {
      slot.controller.abort(new Error("unloaded while loading"));
    } else if (slot.unloadMs > 0) {
      await sleep(slot.unloadMs);
    }
    this.#options.log.event("model-unloaded", { modelId, wasLoading: slot.t === "loading" });
    return true;
  }

  /** Forgets every model at once; loads in progress are cancelled. Returns how many were held. */
  purge(): number {
    const count = this.#slots.size;
    for (const slot of this.#slots.values())
      if (slot.t === "loading") slot.controller.abort(new Error("purged"));
    this.#slots.clear();
    if (count > 0) this.#options.log.event("models-purged", { count });
    return count;
  }

  async #loadModel(modelId: string, modelPath: string, signal: AbortSignal): Promise<LoadResult> {
    const attempt = (this.#loadCounts.get(modelId) ?? 0) + 1;
    this.#loadCounts.set(modelId, attempt);
    const knob = parseModelPath(modelPath);
    switch (knob.t) {
      case "size":
        await sleep(knob.loadMs, undefined, { signal });
        return { sizeInLoadResponse: 0, model: echoModel(modelId, knob.sizeBytes) };
      case "fail":
        if (attempt === 1) throw new ConnectError(knob.message, Code.Internal);
        return { sizeInLoadResponse: 0, model: echoModel(modelId, this.#options.defaultModelSizeBytes) };
      case "file": {
        const model = await this.#loadFile(knob.path);
        signal.throwIfAborted();
        return { sizeInLoadResponse: model.sizeBytes, model };
      }
      default: {
        const never: never = knob;
        throw new Error(`unexpected model path ${String(never)}`);
      }
    }
  }

  async #loadFile(modelPath: string): Promise<ServableModel> {
    try {
      return await loadModelFile(await resolveModelFile(modelPath, this.#options.modelsDir));
    } catch (error) {
      if (error instanceof ModelFileError) throw new ConnectError(error.message, Code.InvalidArgument);
      throw ConnectError.from(error, Code.Internal);
    }
  }

  #unloadMs(modelPath: string): number {
    const knob = parseModelPath(modelPath);
    return knob.t === "size" ? knob.unloadMs : 0;
  }
}
