import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import type { Logger } from "@modelmesh/core";
import type { PrometheusMetrics } from "./prometheus-metrics.js";
import type { KeyAndCert } from "./self-signed.js";

const gzipAsync = promisify(gzip);

/** Options for {@link startMetricsEndpoint}. */
export interface MetricsEndpointOptions {
  readonly port: number;
  /** What is served. */
  readonly metrics: Pick<PrometheusMetrics, "exposition" | "registry">;
  /** TLS key and certificate (`scheme=https`); plain HTTP without. */
  readonly tls?: KeyAndCert;
  /** `MM_LOG_PROMETHEUS_REQS`: each scrape logged at info. */
  readonly logScrapes: boolean;
  readonly logger: Logger;
}

/** Suffixes of the samples of one metric family (a `name[]` filter may name any of them). */
const SAMPLE_SUFFIXES = ["", "_bucket", "_sum", "_count", "_total", "_created"];

/** Whether a metric family is named by `names` (by its own name or any of its sample names). */
function named(names: readonly string[]): (family: string) => boolean {
  const wanted = new Set(names);
  return (family) => SAMPLE_SUFFIXES.some((suffix) => wanted.has(family + suffix));
}

async function serve(options: MetricsEndpointOptions, req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? "/", "http://metrics");
  if (
    (url.pathname !== "/metrics" && url.pathname !== "/") ||
    (req.method !== "GET" && req.method !== "HEAD")
  ) {
    res.writeHead(404).end();
    return;
  }
  const startMs = Date.now();
  const names = url.searchParams.getAll("name[]");
  const text = await options.metrics.exposition(names.length > 0 ? named(names) : undefined);
  const headers: Record<string, string> = { "content-type": options.metrics.registry.contentType };
  let body: Buffer = Buffer.from(text);
  if (/\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))) {
    body = await gzipAsync(body);
    headers["content-encoding"] = "gzip";
  }
  res.writeHead(200, { ...headers, "content-length": String(body.length) });
  res.end(req.method === "HEAD" ? undefined : body);
  if (options.logScrapes) {
    options.logger.info(
      { path: url.pathname, names: names.length, bytes: body.length, tookMs: Date.now() - startMs },
      "metrics scraped",
    );
  }
}

/**
 * Serves the Prometheus exposition on `port` (all interfaces) at `/metrics` and `/`: `name[]`
 * query parameters limit it to those metrics, and it is gzipped when the scraper accepts gzip.
 * Over HTTPS when `tls` is given. Resolves once listening.
 */
export async function startMetricsEndpoint(options: MetricsEndpointOptions): Promise<Server> {
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    serve(options, req, res).catch((error: unknown) => {
      options.logger.warn({ reason: String(error) }, "serving metrics failed");
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  };
  const server: Server =
    options.tls === undefined
      ? createHttpServer(handler)
      : (createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handler) as unknown as Server);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (error: Error) => options.logger.warn({ reason: error.message }, "metrics port failed"));
  return server;
}
