import type { CacheEntry } from "@modelmesh/core";
import type { LoadTicket } from "../loading/load-queue.js";
import type { CopyAdmission } from "./copy-admission.js";
import { createDeferred, type Deferred } from "./deferred.js";

/** What the mesh keeps with each local cache entry (one copy of a model in the runtime). */
export interface CopyData {
  readonly modelId: string;
  readonly modelType: string;
  readonly modelPath: string | undefined;
  readonly modelKey: string | undefined;
  /** Load start time registered in the model record (`instanceIds[self]`); 0 until registered. */
  loadTimestampMs: number;
  /** The registry lists this copy (so leaving the cache must deregister it). */
  registered: boolean;
  /** Settles when the copy becomes servable (SIZING/ACTIVE), fails, or leaves the cache. */
  readonly loaded: Deferred<void>;
  /** Aborts a queued or running load when the entry leaves the cache. */
  readonly abort: AbortController;
  /** Its place in the loading queue. */
  ticket: LoadTicket | undefined;
  /** The runtime load call, settled (never rejects); the unloader waits for it. */
  runtimeLoad: Promise<void> | undefined;
  /** This copy holds a reference in the runtime's model manager that an unload must release. */
  holdsRuntimeRef: boolean;
  /** Inference calls in flight on this copy (drained before unloading, §6.7). */
  inFlight: number;
  /** Runs when {@link inFlight} drops to zero (post-load sizing waits for the first calls). */
  afterCalls: (() => void) | undefined;
  /**
   * How long the runtime's loadModel call took, ms (0 until loaded); -1 once the first call that
   * waited for the load reported its cold-start time.
   */
  loadTookMs: number;
  /** The load failed because it timed out (the unload then waits 3 s instead of 1 s). */
  timedOut: boolean;
  /** Latency-based mode: admission of calls to this copy, set once it loaded; else undefined. */
  admission: CopyAdmission | undefined;
}

/** A local cache entry of the mesh. */
export type CopyEntry = CacheEntry<CopyData>;

/** Fresh data for a model about to be inserted in the cache. */
export function createCopyData(model: {
  readonly modelId: string;
  readonly type: string;
  readonly path?: string | undefined;
  readonly key?: string | undefined;
}): CopyData {
  return {
    modelId: model.modelId,
    modelType: model.type,
    modelPath: model.path,
    modelKey: model.key,
    loadTimestampMs: 0,
    registered: false,
    loaded: createDeferred<void>(),
    abort: new AbortController(),
    ticket: undefined,
    runtimeLoad: undefined,
    holdsRuntimeRef: false,
    inFlight: 0,
    afterCalls: undefined,
    loadTookMs: 0,
    timedOut: false,
    admission: undefined,
  };
}
