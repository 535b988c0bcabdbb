/**
 * One finished inference request, external (`api`) or a local runtime call (`invoke`).
 * Times in ms, sizes in bytes; `-1` for a size that is not known (the call failed first).
 */
export interface RequestObservation {
  /** Full gRPC method name without the leading slash, e.g. `mmesh.ExamplePredictor/predict`. */
  readonly method: string;
  /** gRPC status code name, e.g. `OK`, `NOT_FOUND`. */
  readonly code: string;
  readonly elapsedMs: number;
  /** Request message bytes, or -1. */
  readonly requestBytes: number;
  /** Response message bytes, or -1. */
  readonly responseBytes: number;
  /** The model the call was served by ("" when it never resolved to one). */
  readonly modelId: string;
  /** The vmodel the call named ("" when it named a model). */
  readonly vModelId: string;
}

/** Local cache and capacity figures of one instance, as published in its instance record. */
export interface InstanceStats {
  /** Last-used time of the least recently used local copy, epoch ms (0 when empty). */
  readonly lruMs: number;
  /** Age of that copy's last use, ms (0 when empty). */
  readonly lruAgeMs: number;
  /** Capacity without the unload buffer, bytes. */
  readonly capacityBytes: number;
  /** Used capacity without the unload buffer, bytes. */
  readonly usedBytes: number;
  /** Local model copies. */
  readonly modelCount: number;
}

/** Cluster-wide counts that only the leader exports. */
export interface ClusterStats {
  /** Models with at least one loaded copy. */
  readonly modelsLoaded: number;
  /** Models with at least one recorded load failure. */
  readonly modelsWithFailure: number;
  /** Registered models. */
  readonly modelsManaged: number;
}

/**
 * Where a mesh instance reports what it does (the `MM_METRICS` backends implement it). Every
 * method must be cheap and must never throw; callers skip building observations when
 * {@link MeshMetrics.enabled} is false.
 */
export interface MeshMetrics {
  /** False for the no-op implementation: callers measure nothing. */
  readonly enabled: boolean;
  /** An external inference request ended (answered to the client). */
  apiRequest(observation: RequestObservation): void;
  /** A call to the local runtime ended. */
  invokeModel(observation: RequestObservation): void;
  /** A call found a servable local copy at once. */
  cacheHit(modelId: string): void;
  /** A call waited `delayMs` for a local copy to load. */
  cacheMiss(modelId: string, delayMs: number): void;
  /** Mesh overhead of a cold start: the first call's wait minus the runtime's load time, ms. */
  coldStart(modelId: string, overheadMs: number): void;
  /** A load waited `delayMs` in the loading queue. */
  loadQueued(modelId: string, delayMs: number): void;
  /** Latency-based mode: a call waited `delayMs` for one of its copy's permits. */
  requestQueued(modelId: string, delayMs: number): void;
  /** A model loaded in `tookMs`. */
  loaded(modelId: string, tookMs: number): void;
  /** A load failed (not cancelled). */
  loadFailed(modelId: string): void;
  /** The runtime sized a loaded model (`modelSize`) in `tookMs`. */
  sized(modelId: string, tookMs: number): void;
  /** Size of a loaded model, from the load answer or sizing. */
  loadedSize(modelId: string, bytes: number): void;
  /** A copy left the runtime; `tookMs` is 0 when no unload call was needed. */
  unloaded(modelId: string, tookMs: number): void;
  /** An unload failed for good. */
  unloadFailed(modelId: string): void;
  /** One unload attempt failed. */
  unloadAttemptFailed(modelId: string): void;
  /** LRU eviction of a registered or failed copy, `ageMs` after its last use. */
  evicted(modelId: string, ageMs: number): void;
  /** A call was forwarded to the peer instance `peerId`. */
  forwarded(peerId: string): void;
  /** A vmodel moved to a new target model. */
  vmodelTransition(vModelId: string): void;
  /** This instance's cache figures (every record publish and janitor run; zeros at shutdown). */
  instanceStats(stats: InstanceStats): void;
  /** Cluster counts while leader; `undefined` when leadership is lost (the series go away). */
  clusterStats(stats: ClusterStats | undefined): void;
}

function noop(): void {}

/** Metrics that record nothing: the default, and `MM_METRICS=disabled`. */
export const noopMeshMetrics: MeshMetrics = {
  enabled: false,
  apiRequest: noop,
  invokeModel: noop,
  cacheHit: noop,
  cacheMiss: noop,
  coldStart: noop,
  loadQueued: noop,
  requestQueued: noop,
  loaded: noop,
  loadFailed: noop,
  sized: noop,
  loadedSize: noop,
  unloaded: noop,
  unloadFailed: noop,
  unloadAttemptFailed: noop,
  evicted: noop,
  forwarded: noop,
  vmodelTransition: noop,
  instanceStats: noop,
  clusterStats: noop,
};
