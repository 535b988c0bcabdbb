import type { ClusterStats, InstanceStats, Logger, MeshMetrics, RequestObservation } from "@modelmesh/core";
import { StatsD } from "hot-shots";
import { METRICS, type MetricRole, UNIT_BYTES } from "./metric-catalog.js";

/** Options for {@link createStatsdMetrics}. */
export interface StatsdMetricsOptions {
  /** Host the datagrams go to. Default 127.0.0.1 (the original: localhost). */
  readonly host?: string;
  readonly port: number;
  /** Old dotted names with the `model-mesh.` prefix and no tags. */
  readonly legacy: boolean;
  /** `method` is the full gRPC method name rather than the part after `/`. */
  readonly fqNames: boolean;
  readonly logger: Logger;
}

/** StatsD metrics: the mesh's port, plus a way to flush and close the socket. */
export interface StatsdMetrics extends MeshMetrics {
  close(): Promise<void>;
}

/** Names one call's datagrams use, computed once per method and code. */
interface RequestNames {
  readonly time: string;
  readonly count: string;
  readonly requestSize: string;
  readonly responseSize: string;
}

/**
 * Creates the StatsD backend (UDP, one datagram per value). Names are the Prometheus names with
 * `_statsd` appended and tags written Sysdig-style into the name (`name#method=predict,code=OK`),
 * or with `legacy` the original's old dotted names under the `model-mesh.` prefix, the method
 * and code folded into the name. Sizes are in bytes, except the legacy capacity gauges, which
 * count 8 KiB units as before.
 */
export function createStatsdMetrics(options: StatsdMetricsOptions): StatsdMetrics {
  const { legacy } = options;
  const client = new StatsD({
    host: options.host ?? "127.0.0.1",
    port: options.port,
    ...(legacy ? { prefix: "model-mesh." } : {}),
    errorHandler: (error) => options.logger.debug({ reason: error.message }, "statsd send failed"),
  });
  const name = (role: MetricRole) => (legacy ? METRICS[role].legacyName : `${METRICS[role].name}_statsd`);
  const methodPart = (method: string) => {
    const slash = options.fqNames ? -1 : method.indexOf("/");
    return (slash < 0 ? method : method.slice(slash + 1)).replaceAll("/", ".");
  };
  const cache = new Map<string, RequestNames>();
  const requestNames = (external: boolean, o: RequestObservation): RequestNames => {
    const key = `${external ? "a" : "i"}${o.code}\u0000${o.method}`;
    let names = cache.get(key);
    if (names !== undefined) return names;
    const method = methodPart(o.method);
    const timeRole: MetricRole = external ? "apiTime" : "invokeTime";
    const countRole: MetricRole = external ? "apiCount" : "invokeCount";
    names = legacy
      ? {
          time: `${name(timeRole)}${method}`,
          count: `${name(countRole)}${method}.${o.code}`,
          requestSize: `${name("requestSize")}${method}.${o.code}`,
          responseSize: `${name("responseSize")}${method}.${o.code}`,
        }
      : {
          time: `${name(timeRole)}#method=${method},code=${o.code}`,
          count: `${name(countRole)}#method=${method},code=${o.code}`,
          requestSize: `${name("requestSize")}#method=${method},code=${o.code}`,
          responseSize: `${name("responseSize")}#method=${method},code=${o.code}`,
        };
    cache.set(key, names);
    return names;
  };
  const request = (external: boolean, o: RequestObservation) => {
    const names = requestNames(external, o);
    // Response times are sent for successful calls only; the count for every call.
    if (o.code === "OK") client.timing(names.time, Math.floor(o.elapsedMs));
    client.increment(names.count);
    if (o.requestBytes >= 0) client.timing(names.requestSize, o.requestBytes);
    if (o.responseBytes >= 0) client.timing(names.responseSize, o.responseBytes);
  };
  const timing = (role: MetricRole, ms: number) => client.timing(name(role), Math.floor(ms));
  const count = (role: MetricRole) => client.increment(name(role));
  const gaugeBytes = (role: MetricRole, bytes: number) =>
    client.gauge(name(role), legacy ? Math.floor(bytes / UNIT_BYTES) : bytes);

  return {
    enabled: true,
    apiRequest: (o) => request(true, o),
    invokeModel: (o) => request(false, o),
    cacheHit: () => count("cacheHit"),
    cacheMiss: (_modelId, delayMs) => {
      count("cacheMiss");
      timing("cacheMissTime", delayMs);
    },
    coldStart: (_modelId, overheadMs) => timing("coldStart", overheadMs),
    loadQueued: (_modelId, delayMs) => timing("loadQueueDelay", delayMs),
    requestQueued: (_modelId, delayMs) => timing("queueDelay", delayMs),
    loaded: (_modelId, tookMs) => {
      timing("loadTime", tookMs);
      count("load");
    },
    loadFailed: () => count("loadFailure"),
    sized: (_modelId, tookMs) => timing("sizingTime", tookMs),
    loadedSize: (_modelId, bytes) => client.timing(name("loadedSize"), bytes),
    unloaded: (_modelId, tookMs) => {
      timing("unloadTime", tookMs);
      count("unload");
    },
    unloadFailed: () => count("unloadFailure"),
    unloadAttemptFailed: () => count("unloadAttemptFailure"),
    evicted: (_modelId, ageMs) => {
      timing("ageAtEviction", ageMs);
      count("evicted");
    },
    forwarded: (peerId) =>
      client.increment(legacy ? `${name("forwarded")}.${peerId}` : `${name("forwarded")}#peer=${peerId}`),
    vmodelTransition: () => count("vmodelTransitions"),
    instanceStats: (s: InstanceStats) => {
      client.gauge(name("lruTime"), Math.floor(s.lruMs / 1000));
      client.gauge(name("lruAge"), Math.floor(s.lruAgeMs / 1000));
      gaugeBytes("capacity", s.capacityBytes);
      gaugeBytes("used", s.usedBytes);
      const bps = s.capacityBytes === 0 ? 0 : Math.floor((s.usedBytes / s.capacityBytes) * 10_000);
      client.gauge(name("usedBps"), bps);
      client.gauge(name("modelCount"), s.modelCount);
    },
    clusterStats: (s: ClusterStats | undefined) => {
      if (s === undefined) return;
      client.gauge(name("modelsLoaded"), s.modelsLoaded);
      client.gauge(name("modelsWithFailure"), s.modelsWithFailure);
      client.gauge(name("modelsManaged"), s.modelsManaged);
    },
    close: () => new Promise<void>((resolve) => client.close(() => resolve())),
  };
}
