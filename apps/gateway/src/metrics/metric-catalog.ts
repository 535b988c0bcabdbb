/**
 * Every metric the mesh exports, with the names, types, labels and buckets of the original
 * ModelMesh (see docs/observability.md). Both backends read this one table.
 */

/** How a metric is exported. */
export type MetricKind =
  /** StatsD counter only; in Prometheus its count is the `_count` of the matching histogram. */
  | "statsdCount"
  | "counter"
  | "gauge"
  | "timeHistogram"
  | "ageHistogram"
  | "modelSizeHistogram"
  | "messageSizeHistogram";

/** Which labels a metric carries in Prometheus. */
export type LabelSet =
  /** `method`, `code` (+ `modelId`, `vModelId` with per-model metrics). */
  | "request"
  /** `modelId`, `vModelId` with per-model metrics, else none. */
  | "model"
  /** `peer`: the instance a call was forwarded to. */
  | "peer"
  | "none";

/** One metric. */
export interface MetricDef {
  readonly name: string;
  /** Name under `MM_METRICS=statsd:legacy=true` (prefixed `model-mesh.`). */
  readonly legacyName: string;
  readonly kind: MetricKind;
  readonly labels: LabelSet;
  readonly help: string;
  /** Exported only by the cluster's leader. */
  readonly leaderOnly?: boolean;
  /** Not in the original. */
  readonly added?: boolean;
}

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** `count` buckets from `start`, each `factor` times the previous. */
function exponential(start: number, factor: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start * factor ** i);
}

/** Bucket upper bounds by histogram kind. */
export const BUCKETS = {
  timeHistogram: [
    0.5, 1, 2, 5, 10, 20, 50, 75, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 60000, 120000, 300000,
  ],
  ageHistogram: [
    30 * SECOND_MS,
    5 * MINUTE_MS,
    15 * MINUTE_MS,
    HOUR_MS,
    4 * HOUR_MS,
    12 * HOUR_MS,
    DAY_MS,
    7 * DAY_MS,
    30 * DAY_MS,
    90 * DAY_MS,
  ],
  // 256 KiB × 4ⁿ.
  modelSizeHistogram: exponential(256 * 1024, 4, 8),
  // 128 B × 4ⁿ.
  messageSizeHistogram: exponential(128, 4, 8),
} as const;

const def = (
  name: string,
  legacyName: string,
  kind: MetricKind,
  labels: LabelSet,
  help: string,
  extra: Pick<MetricDef, "leaderOnly" | "added"> = {},
): MetricDef => ({ name, legacyName, kind, labels, help, ...extra });

/** The metrics by their role. */
export const METRICS = {
  invokeCount: def(
    "modelmesh_invoke_model",
    "invoke-",
    "statsdCount",
    "request",
    "Count of internal model server inference requests",
  ),
  invokeTime: def(
    "modelmesh_invoke_model_milliseconds",
    "invoke-",
    "timeHistogram",
    "request",
    "Internal model server inference request time",
  ),
  apiCount: def(
    "modelmesh_api_request",
    "api-",
    "statsdCount",
    "request",
    "Count of external inference requests",
  ),
  apiTime: def(
    "modelmesh_api_request_milliseconds",
    "api-",
    "timeHistogram",
    "request",
    "External inference request time",
  ),
  requestSize: def(
    "modelmesh_request_size_bytes",
    "reqSize-",
    "messageSizeHistogram",
    "request",
    "Inference request payload size",
  ),
  responseSize: def(
    "modelmesh_response_size_bytes",
    "respSize-",
    "messageSizeHistogram",
    "request",
    "Inference response payload size",
  ),
  cacheMiss: def(
    "modelmesh_cache_miss",
    "cacheMiss",
    "statsdCount",
    "model",
    "Count of inference request cache misses",
  ),
  cacheMissTime: def(
    "modelmesh_cache_miss_milliseconds",
    "cacheMiss",
    "timeHistogram",
    "model",
    "Cache miss delay",
  ),
  load: def("modelmesh_loadmodel", "loadModel", "statsdCount", "model", "Count of model loads"),
  loadTime: def(
    "modelmesh_loadmodel_milliseconds",
    "loadModel",
    "timeHistogram",
    "model",
    "Time taken to load model",
  ),
  unload: def("modelmesh_unloadmodel", "unloadModel", "statsdCount", "model", "Count of model unloads"),
  unloadTime: def(
    "modelmesh_unloadmodel_milliseconds",
    "unloadModel",
    "timeHistogram",
    "model",
    "Time taken to unload model",
  ),
  queueDelay: def(
    "modelmesh_req_queue_delay_milliseconds",
    "queueDelay",
    "timeHistogram",
    "model",
    "Time spent in inference request queue",
  ),
  loadQueueDelay: def(
    "modelmesh_loading_queue_delay_milliseconds",
    "loadModelQueueDelay",
    "timeHistogram",
    "model",
    "Time spent in model loading queue",
  ),
  sizingTime: def(
    "modelmesh_model_sizing_milliseconds",
    "sizeModel",
    "timeHistogram",
    "model",
    "Time taken to perform model sizing",
  ),
  loadFailure: def(
    "modelmesh_loadmodel_failure",
    "loadModel-failed",
    "counter",
    "none",
    "Model load failures",
  ),
  unloadFailure: def(
    "modelmesh_unloadmodel_failure",
    "unloadModel-failure",
    "counter",
    "none",
    "Unload model failures (not counting multiple attempts for same copy)",
  ),
  unloadAttemptFailure: def(
    "modelmesh_unloadmodel_attempt_failure",
    "unloadModel-attemptFailed",
    "counter",
    "none",
    "Unload model attempt failures",
  ),
  evicted: def(
    "modelmesh_model_evicted",
    "cache_evictModel",
    "statsdCount",
    "model",
    "Count of model copy evictions",
  ),
  ageAtEviction: def(
    "modelmesh_age_at_eviction_milliseconds",
    "cache_evictModel",
    "ageHistogram",
    "model",
    "Time since model was last used when evicted",
  ),
  loadedSize: def(
    "modelmesh_loaded_model_size_bytes",
    "mmModelSizeBytes",
    "modelSizeHistogram",
    "model",
    "Reported size of loaded model",
  ),
  modelsLoaded: def(
    "modelmesh_models_loaded_total",
    "modelsLoaded",
    "gauge",
    "none",
    "Total number of models with at least one loaded copy",
    { leaderOnly: true },
  ),
  modelsWithFailure: def(
    "modelmesh_models_with_failure_total",
    "modelsWithLoadFailure",
    "gauge",
    "none",
    "Total number of models with one or more recent load failures",
    { leaderOnly: true },
  ),
  modelsManaged: def(
    "modelmesh_models_managed_total",
    "modelsManaged",
    "gauge",
    "none",
    "Total number of models managed",
    { leaderOnly: true },
  ),
  lruTime: def(
    "modelmesh_instance_lru_seconds",
    "localLruTimestamp",
    "gauge",
    "none",
    "Last used time of least recently used model in pod (in secs since epoch)",
  ),
  lruAge: def(
    "modelmesh_instance_lru_age_seconds",
    "localLruAge",
    "gauge",
    "none",
    "Last used age of least recently used model in pod (secs ago)",
  ),
  capacity: def(
    "modelmesh_instance_capacity_bytes",
    "totalCapacity",
    "gauge",
    "none",
    "Effective model capacity of pod excluding unload buffer",
  ),
  used: def(
    "modelmesh_instance_used_bytes",
    "totalUsed",
    "gauge",
    "none",
    "Amount of capacity currently in use by loaded models",
  ),
  usedBps: def(
    "modelmesh_instance_used_bps",
    "capacityUsage",
    "gauge",
    "none",
    "Amount of capacity used in basis points (100ths of percent)",
  ),
  modelCount: def(
    "modelmesh_instance_models_total",
    "modelCount",
    "gauge",
    "none",
    "Number of model copies loaded in pod",
  ),
  cacheHit: def(
    "modelmesh_cache_hit",
    "cacheHit",
    "counter",
    "model",
    "Count of inference requests served by a copy already loaded here",
    { added: true },
  ),
  coldStart: def(
    "modelmesh_cold_start_overhead_milliseconds",
    "coldStartOverhead",
    "timeHistogram",
    "model",
    "First call after a load: its wait plus call time minus the runtime's load time",
    { added: true },
  ),
  forwarded: def(
    "modelmesh_forwarded_calls",
    "forwarded",
    "counter",
    "peer",
    "Inference calls forwarded to another instance",
    { added: true },
  ),
  vmodelTransitions: def(
    "modelmesh_vmodel_transitions",
    "vmodelTransition",
    "counter",
    "none",
    "VModel transitions completed by this instance (the leader)",
    { added: true },
  ),
} as const satisfies Record<string, MetricDef>;

/** The metrics by role name. */
export type MetricRole = keyof typeof METRICS;

/** Bytes per cache unit: the legacy StatsD names report capacity in these units. */
export const UNIT_BYTES = 8192;
