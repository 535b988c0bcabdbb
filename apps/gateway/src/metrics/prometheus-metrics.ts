import type { ClusterStats, InstanceStats, MeshMetrics, RequestObservation } from "@modelmesh/core";
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { InfoMetric } from "../config/sections/metrics.js";
import { FastHistogram, type HistogramChild } from "./fast-histogram.js";
import { BUCKETS, type LabelSet, METRICS, type MetricDef, type MetricRole } from "./metric-catalog.js";

/** Options for {@link createPrometheusMetrics}. */
export interface PrometheusMetricsOptions {
  /** `method` label: the full gRPC method name (`fq_names=true`) or the part after `/`. */
  readonly fqNames: boolean;
  /** `modelId` and `vModelId` labels. */
  readonly perModelMetrics: boolean;
  /** `MM_INFO_METRICS`. */
  readonly info?: InfoMetric;
  /** Node.js process and runtime metrics (`process_*`, `nodejs_*`). Default true. */
  readonly defaultMetrics?: boolean;
}

/** Prometheus metrics: the mesh's port, and what the scrape endpoint serves. */
export interface PrometheusMetrics extends MeshMetrics {
  /** Counters, gauges, the info metric and Node's process metrics (not the histograms). */
  readonly registry: Registry;
  /**
   * The exposition text of every metric (histograms and registry), or of the metric families
   * `wanted` accepts, ending with a newline ("" when none).
   */
  exposition(wanted?: (family: string) => boolean): Promise<string>;
}

type AnyMetric = Counter<string> | Gauge<string> | FastHistogram;

function labelNames(labels: LabelSet, perModel: boolean): string[] {
  switch (labels) {
    case "request":
      return perModel ? ["method", "code", "modelId", "vModelId"] : ["method", "code"];
    case "model":
      return perModel ? ["modelId", "vModelId"] : [];
    case "peer":
      return ["peer"];
    case "none":
      return [];
    default: {
      const never: never = labels;
      throw new Error(`unknown label set ${String(never)}`);
    }
  }
}

function build(def: MetricDef, perModel: boolean): AnyMetric | undefined {
  const common = {
    name: def.name,
    help: def.help,
    labelNames: labelNames(def.labels, perModel),
    registers: [],
  };
  switch (def.kind) {
    case "statsdCount":
      return undefined;
    case "counter":
      return new Counter(common);
    case "gauge":
      return new Gauge(common);
    case "timeHistogram":
    case "ageHistogram":
    case "modelSizeHistogram":
    case "messageSizeHistogram":
      return new FastHistogram({ ...common, buckets: BUCKETS[def.kind] });
    default: {
      const never: never = def.kind;
      throw new Error(`unknown metric kind ${String(never)}`);
    }
  }
}

/** The three histograms one external or runtime call feeds, resolved for one label tuple. */
interface RequestChildren {
  readonly time: HistogramChild;
  readonly requestSize: HistogramChild;
  readonly responseSize: HistogramChild;
}

/** Nested maps, one level per label value: finding a cached child allocates nothing. */
type ChildCache<T> = Map<string, Map<string, Map<string, Map<string, T>>>>;

/** The value of `key` in `map`, made and stored first when absent. */
function getOrMake<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  const found = map.get(key);
  if (found !== undefined) return found;
  const made = make();
  map.set(key, made);
  return made;
}

function cached<T>(cache: ChildCache<T>, keys: readonly [string, string, string, string], make: () => T): T {
  const a = getOrMake(cache, keys[0], () => new Map());
  const b = getOrMake(a, keys[1], () => new Map());
  const c = getOrMake(b, keys[2], () => new Map<string, T>());
  return getOrMake(c, keys[3], make);
}

/**
 * Creates the Prometheus backend: every metric of the catalog in its own registry (leader-only
 * gauges registered only while this instance leads), the `MM_INFO_METRICS` gauge, and Node's
 * process metrics. Label children are resolved once per label tuple and cached, so a call
 * costs a few map lookups and the observations.
 */
export function createPrometheusMetrics(options: PrometheusMetricsOptions): PrometheusMetrics {
  const registry = new Registry();
  const perModel = options.perModelMetrics;
  const m = {} as Record<MetricRole, AnyMetric | undefined>;
  const histograms: FastHistogram[] = [];
  for (const [role, def] of Object.entries(METRICS) as [MetricRole, MetricDef][]) {
    const metric = build(def, perModel);
    m[role] = metric;
    if (metric instanceof FastHistogram) histograms.push(metric);
    else if (metric !== undefined && def.leaderOnly !== true) registry.registerMetric(metric);
  }
  const histogram = (role: MetricRole) => m[role] as FastHistogram;
  // Histograms without labels export zeros before their first observation, as prom-client's do.
  const unlabelled = new Map<MetricRole, HistogramChild>();
  for (const [role, metric] of Object.entries(m) as [MetricRole, AnyMetric | undefined][]) {
    if (metric instanceof FastHistogram && metric.labelNames.length === 0)
      unlabelled.set(role, metric.child([]));
  }
  const counter = (role: MetricRole) => m[role] as Counter<string>;
  const gauge = (role: MetricRole) => m[role] as Gauge<string>;
  if (options.info !== undefined) {
    const info = new Gauge({
      name: options.info.name,
      help: "Info Metrics",
      labelNames: Object.keys(options.info.labels),
      registers: [registry],
    });
    info.set(options.info.labels, 1);
  }
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  const methodName = (method: string) => {
    if (options.fqNames) return method;
    const slash = method.indexOf("/");
    return slash < 0 ? method : method.slice(slash + 1);
  };
  const requestCache = new Map<"api" | "invoke", ChildCache<RequestChildren>>([
    ["api", new Map()],
    ["invoke", new Map()],
  ]);
  const request = (which: "api" | "invoke", o: RequestObservation) => {
    const modelId = perModel ? o.modelId : "";
    const vModelId = perModel ? o.vModelId : "";
    const children = cached(
      requestCache.get(which) as ChildCache<RequestChildren>,
      [o.method, o.code, modelId, vModelId],
      () => {
        const method = methodName(o.method);
        const values = perModel ? [method, o.code, modelId, vModelId] : [method, o.code];
        return {
          time: histogram(which === "api" ? "apiTime" : "invokeTime").child(values),
          requestSize: histogram("requestSize").child(values),
          responseSize: histogram("responseSize").child(values),
        };
      },
    );
    children.time.observe(o.elapsedMs);
    if (o.requestBytes >= 0) children.requestSize.observe(o.requestBytes);
    if (o.responseBytes >= 0) children.responseSize.observe(o.responseBytes);
  };

  // Per-model children of the model-labelled histograms (vModelId is always "" for them), by
  // role then model id; and of the cache-hit counter.
  const modelCache = new Map<MetricRole, Map<string, HistogramChild>>();
  const hitCache = new Map<string, Counter.Internal>();
  const observe = (role: MetricRole, modelId: string, value: number) => {
    const child = perModel
      ? getOrMake(
          getOrMake(modelCache, role, () => new Map()),
          modelId,
          () => histogram(role).child([modelId, ""]),
        )
      : unlabelled.get(role);
    child?.observe(value);
  };
  const exposition = async (wanted: (family: string) => boolean = () => true) => {
    const parts = histograms.filter((h) => wanted(h.name)).map((h) => h.render());
    for (const metric of registry.getMetricsAsArray()) {
      if (wanted(metric.name)) parts.push(await registry.getSingleMetricAsString(metric.name));
    }
    return parts.length === 0 ? "" : `${parts.join("\n\n")}\n`;
  };

  return {
    enabled: true,
    registry,
    exposition,
    apiRequest: (o) => request("api", o),
    invokeModel: (o) => request("invoke", o),
    cacheHit(modelId) {
      if (perModel) getOrMake(hitCache, modelId, () => counter("cacheHit").labels(modelId, "")).inc();
      else counter("cacheHit").inc();
    },
    cacheMiss: (modelId, delayMs) => observe("cacheMissTime", modelId, delayMs),
    coldStart: (modelId, overheadMs) => observe("coldStart", modelId, overheadMs),
    loadQueued: (modelId, delayMs) => observe("loadQueueDelay", modelId, delayMs),
    requestQueued: (modelId, delayMs) => observe("queueDelay", modelId, delayMs),
    loaded: (modelId, tookMs) => observe("loadTime", modelId, tookMs),
    loadFailed: () => counter("loadFailure").inc(),
    sized: (modelId, tookMs) => observe("sizingTime", modelId, tookMs),
    loadedSize: (modelId, bytes) => observe("loadedSize", modelId, bytes),
    unloaded: (modelId, tookMs) => observe("unloadTime", modelId, tookMs),
    unloadFailed: () => counter("unloadFailure").inc(),
    unloadAttemptFailed: () => counter("unloadAttemptFailure").inc(),
    evicted: (modelId, ageMs) => observe("ageAtEviction", modelId, ageMs),
    forwarded: (peerId) => counter("forwarded").inc({ peer: peerId }),
    vmodelTransition: () => counter("vmodelTransitions").inc(),
    instanceStats: (s: InstanceStats) => {
      gauge("lruTime").set(Math.floor(s.lruMs / 1000));
      gauge("lruAge").set(Math.floor(s.lruAgeMs / 1000));
      gauge("capacity").set(s.capacityBytes);
      gauge("used").set(s.usedBytes);
      gauge("usedBps").set(s.capacityBytes === 0 ? 0 : Math.floor((s.usedBytes / s.capacityBytes) * 10_000));
      gauge("modelCount").set(s.modelCount);
    },
    clusterStats: (s: ClusterStats | undefined) => {
      const roles = ["modelsLoaded", "modelsWithFailure", "modelsManaged"] as const;
      if (s === undefined) {
        for (const role of roles) registry.removeSingleMetric(METRICS[role].name);
        return;
      }
      for (const role of roles) {
        if (registry.getSingleMetric(METRICS[role].name) === undefined) registry.registerMetric(gauge(role));
      }
      gauge("modelsLoaded").set(s.modelsLoaded);
      gauge("modelsWithFailure").set(s.modelsWithFailure);
      gauge("modelsManaged").set(s.modelsManaged);
    },
  };
}
