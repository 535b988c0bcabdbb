import type { AddressInfo } from "node:net";
import { type Logger, type MeshMetrics, noopMeshMetrics } from "@modelmesh/core";
import type { MetricsSection } from "../config/sections/metrics.js";
import { closeHttp } from "../http-servers.js";
import { startMetricsEndpoint } from "./metrics-endpoint.js";
import { createPrometheusMetrics } from "./prometheus-metrics.js";
import { selfSignedCertificate } from "./self-signed.js";
import { createStatsdMetrics } from "./statsd-metrics.js";

/** The metrics backend of a running gateway. */
export interface RunningMetrics {
  /** Given to the mesh. */
  readonly metrics: MeshMetrics;
  /** The Prometheus port listened on, if any. */
  readonly port?: number;
  /** Stops the endpoint or flushes and closes the StatsD socket. */
  close(): Promise<void>;
}

/**
 * Starts the backend `MM_METRICS` selects: nothing (`disabled`), a StatsD sender, or the
 * Prometheus registry with its scrape endpoint (HTTPS with a certificate made now, or HTTP).
 */
export async function startMetrics(section: MetricsSection, logger: Logger): Promise<RunningMetrics> {
  const config = section.metrics;
  const log = logger.child({ component: "metrics" });
  switch (config.kind) {
    case "disabled":
      log.info({}, "metrics publishing is disabled");
      return { metrics: noopMeshMetrics, close: async () => {} };
    case "statsd": {
      const metrics = createStatsdMetrics({ ...config, logger: log });
      log.info(
        { port: config.port, legacy: config.legacy, fqNames: config.fqNames },
        "emitting StatsD metrics to localhost",
      );
      return { metrics, close: () => metrics.close() };
    }
    case "prometheus": {
      const metrics = createPrometheusMetrics({
        fqNames: config.fqNames,
        perModelMetrics: config.perModelMetrics,
        ...(section.info === undefined ? {} : { info: section.info }),
      });
      const server = await startMetricsEndpoint({
        port: config.port,
        metrics,
        logScrapes: section.logScrapes,
        logger: log,
        ...(config.scheme === "https" ? { tls: await selfSignedCertificate("modelmesh-metrics") } : {}),
      });
      const port = (server.address() as AddressInfo).port;
      log.info(
        { port, scheme: config.scheme, perModelMetrics: config.perModelMetrics, fqNames: config.fqNames },
        "exposing Prometheus metrics",
      );
      return { metrics, port, close: () => closeHttp(server) };
    }
    default: {
      const never: never = config;
      throw new Error(`unknown metrics kind ${JSON.stringify(never)}`);
    }
  }
}
