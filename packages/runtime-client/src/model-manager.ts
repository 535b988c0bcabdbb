import { type Logger, MeshError, noopLogger } from "@modelmesh/core";
import { GrpcCode } from "./grpc-status.js";
import { type RuntimeManagementClient, statusOfCallError } from "./management-client.js";
import {
  cancelledLoad,
  type LoadedModel,
  type LoadModelArgs,
  loadRequest,
  type PendingLoad,
  raceAbort,
  startPendingLoad,
} from "./model-load.js";
import { describeStatus, translateLoadError, translateRuntimeError } from "./runtime-errors.js";
import { type UnloadRetryOptions, UnloadRetryQueue } from "./unload-retry-queue.js";

/**
 * The runtime's view of one model id (§6.7): `count` is a reference count, +1 per loadModel,
 * −1 per unloadModel, so an unload overtaken by a new load cancels out; `waiters` counts callers
 * awaiting the load. The entry leaves the map when the count is 0 and no unload is running.
 */
interface ModelEntry {
  readonly modelId: string;
  count: number;
  waiters: number;
  load: PendingLoad | undefined;
  /** Set while an unload (with its retries) runs; stays set, rejected, after a final failure. */
  unload: Promise<boolean> | undefined;
}

/** Options for {@link RuntimeModelManager}. */
export interface ModelManagerOptions {
  readonly unloadRetry?: UnloadRetryOptions;
  /** Deadline of modelSize, ms. Default 30 000 (§8.4). */
  readonly modelSizeTimeoutMs?: number;
  /** Deadline of predictModelSize, ms. Default 500 (§8.4). */
  readonly predictSizeTimeoutMs?: number;
  /** True when inference goes to a different endpoint than management (changes NOT_FOUND clean-up). */
  readonly separateServing?: boolean;
  readonly logger?: Logger;
}

const managementMethod = (name: string) => `mmesh.ModelRuntime/${name}`;

/**
 * Loads, sizes and unloads models in the runtime as the original's sidecar does (§6.7, §8.4):
 * concurrent loads of one id share one runtime call, loads and unloads are reference-counted,
 * failed unloads are retried in the background and a load waits for a pending unload of its id.
 *
 * Contract: every {@link loadModel} that is not cancelled by its caller must be balanced by one
 * {@link unloadModel}, whatever its outcome (a failed load is unloaded too, §6.4). A load the
 * caller cancels releases its own reference (the unload follows by itself).
 */
export class RuntimeModelManager {
  readonly #client: RuntimeManagementClient;
  readonly #entries = new Map<string, ModelEntry>();
  readonly #retries: UnloadRetryQueue;
  readonly #options: ModelManagerOptions;
  readonly #logger: Logger;
  #predictSizeUnimplemented = false;

  constructor(client: RuntimeManagementClient, options: ModelManagerOptions = {}) {
    this.#client = client;
    this.#options = options;
    this.#retries = new UnloadRetryQueue(options.unloadRetry);
    this.#logger = options.logger ?? noopLogger;
  }

  /** Model ids the runtime holds or is loading/unloading, by this manager's account. */
  modelIds(): string[] {
    return [...this.#entries.keys()];
  }

  /** Failed unloads queued for retry. */
  get pendingUnloadRetries(): number {
    return this.#retries.size;
  }

  /**
   * Loads a model (no deadline, §8.4). Rejects with `LOAD_FAILED` (message `CODE: description`,
   * §6.4), `FAILED_PRECONDITION` "Prior unload of model X failed unrecoverably", or `CANCELLED`
   * when `signal` aborts: the runtime call is then cancelled (when no one else waits for it) and
   * this load's reference is released, which sends the unload.
   */
  async loadModel(args: LoadModelArgs): Promise<LoadedModel> {
    if (args.signal?.aborted) throw cancelledLoad(args.modelId, args.signal);
    const entry = this.#acquire(args);
    const load = entry.load as PendingLoad;
    let cancelled = false;
    try {
      const response = await raceAbort(load.promise, args.signal);
      return { sizeBytes: Number(response.sizeInBytes), maxConcurrency: response.maxConcurrency };
    } catch (error) {
      if (args.signal?.aborted) {
        cancelled = true;
        throw cancelledLoad(args.modelId, args.signal);
      }
      throw error instanceof MeshError ? error : translateLoadError(args.modelId, statusOfCallError(error));
    } finally {
      if (--entry.waiters === 0 && cancelled && !load.settled) load.controller.abort();
      // Release this load's own reference, on this entry only (the id may have been forgotten
      // and loaded afresh meanwhile).
      if (cancelled && this.#entries.get(args.modelId) === entry) this.#release(entry)?.catch(() => {});
    }
  }

  /**
   * Releases one reference to a model; when none is left, cancels a load still running and asks
   * the runtime to unload (no deadline). NOT_FOUND counts as success; other failures are retried
   * in the background (§6.7) and the promise settles with the final outcome (`INTERNAL` after the
   * last retry).
   */
  async unloadModel(modelId: string): Promise<void> {
    const entry = this.#entries.get(modelId);
    if (entry !== undefined) await this.#release(entry);
  }

  /** Drops one reference; at zero, cancels the load and starts the unload (returned, if started). */
  #release(entry: ModelEntry): Promise<boolean> | undefined {
    // More unloads than loads (a caller bug) must not drive the count below zero.
    if (entry.count <= 0 || --entry.count > 0) return undefined;
    if (entry.load !== undefined) {
      if (!entry.load.settled) entry.load.controller.abort();
      entry.load = undefined;
    }
    // An unload already running (or failed for good): this one is vacuous.
    if (entry.unload !== undefined) return undefined;
    entry.unload = this.#attemptUnload(entry, 0);
    entry.unload.catch(() => {});
    return entry.unload;
  }

  /** Measures a loaded model (`modelSize`, 30 s deadline) → bytes. */
  async modelSize(modelId: string): Promise<number> {
    try {
      return await this.#client.modelSize(modelId, this.#options.modelSizeTimeoutMs ?? 30_000);
    } catch (error) {
      throw translateRuntimeError(managementMethod("modelSize"), statusOfCallError(error));
    }
  }

  /**
   * A quick size guess before loading (`predictModelSize`, 500 ms deadline) → bytes, or undefined
   * when the runtime does not implement it (then never asked again, §8.4).
   */
  async predictModelSize(args: Omit<LoadModelArgs, "signal">): Promise<number | undefined> {
    if (this.#predictSizeUnimplemented) return undefined;
    try {
      return await this.#client.predictModelSize(
        loadRequest(args),
        this.#options.predictSizeTimeoutMs ?? 500,
      );
    } catch (error) {
      const status = statusOfCallError(error);
      if (status.code !== GrpcCode.UNIMPLEMENTED)
        throw translateRuntimeError(managementMethod("predictModelSize"), status);
      this.#predictSizeUnimplemented = true;
      return undefined;
    }
  }

  /**
   * Call when an inference call found the model missing in the runtime (MODEL_NOT_HERE): forgets
   * it, or, when inference uses a separate endpoint, sends a clean-up unload (§2.6.5). The caller
   * then drops its cache entry without unloading.
   */
  handleServingNotFound(modelId: string): void {
    const entry = this.#entries.get(modelId);
    if (entry === undefined) return;
    if (!this.#options.separateServing) {
      this.#entries.delete(modelId);
      this.#logger.warn({ modelId }, "forgot model after NOT_FOUND from an inference call");
      return;
    }
    if (entry.unload !== undefined) return;
    if (entry.load !== undefined && !entry.load.settled) entry.load.controller.abort();
    entry.load = undefined;
    entry.count = 0;
    entry.unload = this.#attemptUnload(entry, 0);
    entry.unload.catch(() => {});
    this.#logger.warn({ modelId }, "clean-up unload after NOT_FOUND from an inference call");
  }

  /** Stops background retries (queued ones fail); no new unload is retried after this. */
  close(): void {
    this.#retries.close();
  }

  /** Takes a reference and returns the entry with the load to wait for (joining one in flight). */
  #acquire(args: LoadModelArgs): ModelEntry {
    const existing = this.#entries.get(args.modelId);
    if (existing === undefined) {
      const entry: ModelEntry = {
        modelId: args.modelId,
        count: 1,
        waiters: 1,
        load: undefined,
        unload: undefined,
      };
      entry.load = this.#startLoad(args, undefined);
      this.#entries.set(args.modelId, entry);
      return entry;
    }
    existing.count++;
    existing.waiters++;
    existing.load ??= this.#startLoad(args, existing.unload);
    return existing;
  }

  /** Starts the runtime call, after `priorUnload` when one is pending for the id (§6.7). */
  #startLoad(args: LoadModelArgs, priorUnload: Promise<boolean> | undefined): PendingLoad {
    const controller = new AbortController();
    const call = async () => {
      if (priorUnload !== undefined) {
        await priorUnload.catch((error: unknown) => {
          throw new MeshError(
            "FAILED_PRECONDITION",
            `Prior unload of model ${args.modelId} failed unrecoverably`,
            {
              modelId: args.modelId,
              cause: error,
            },
          );
        });
      }
      // One queued unload retry goes before each new load (§6.7).
      this.#retries.processOne();
      return this.#client.loadModel(loadRequest(args), controller.signal);
    };
    return startPendingLoad(call(), controller);
  }

  /** One unload attempt; failures other than NOT_FOUND are queued for retry until the budget is spent. */
  async #attemptUnload(entry: ModelEntry, failCount: number): Promise<boolean> {
    try {
      await this.#client.unloadModel(entry.modelId);
    } catch (error) {
      const status = statusOfCallError(error);
      // NOT_FOUND from unload is as good as success.
      if (status.code !== GrpcCode.NOT_FOUND)
        return this.#unloadFailed(entry, failCount, describeStatus(status));
    }
    if (failCount > 0) this.#logger.info({ modelId: entry.modelId, failCount }, "model unloaded after retry");
    this.#retries.flush();
    entry.unload = undefined;
    if (entry.count === 0 && entry.load === undefined && this.#entries.get(entry.modelId) === entry) {
      this.#entries.delete(entry.modelId);
    }
    return true;
  }

  #unloadFailed(entry: ModelEntry, failCount: number, reason: string): Promise<boolean> {
    const modelId = entry.modelId;
    if (failCount < this.#retries.maxRetries && !this.#retries.closed) {
      if (failCount % 6 === 0) {
        this.#logger.warn(
          { modelId, reason, retriesLeft: this.#retries.maxRetries - failCount },
          "unload failed, queued for retry",
        );
      }
      return this.#retries.enqueue(() => this.#attemptUnload(entry, failCount + 1));
    }
    this.#logger.error({ modelId, reason, failCount }, "unload failed for good");
    return Promise.reject(
      new MeshError("INTERNAL", `Unload of model ${modelId} failed after ${failCount} retries: ${reason}`, {
        modelId,
      }),
    );
  }
}
