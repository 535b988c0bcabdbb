import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { gunzipSync } from "node:zlib";

/** One scrape: status, headers and the body (gunzipped when it came gzipped). */
export interface Scrape {
  readonly status: number;
  readonly headers: IncomingMessage["headers"];
  readonly text: string;
  /** `sample{labels}` → value, from the non-comment lines. */
  readonly samples: ReadonlyMap<string, number>;
}

/** Options of {@link scrape}. */
export interface ScrapeOptions {
  readonly scheme?: "http" | "https";
  /** Path and query. Default `/metrics`. */
  readonly path?: string;
  /** Send `accept-encoding: gzip`. */
  readonly gzip?: boolean;
}

const SAMPLE_LINE = /^([^\s{]+(?:\{.*\})?)\s+(\S+)$/;

/** Parses the Prometheus text format into sample → value (as the original's test did). */
export function parseSamples(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const match = SAMPLE_LINE.exec(line);
    if (match) samples.set(match[1] as string, Number(match[2]));
  }
  return samples;
}

/** GETs the metrics port with a real HTTP(S) client (the self-signed certificate is accepted). */
export function scrape(port: number, options: ScrapeOptions = {}): Promise<Scrape> {
  const scheme = options.scheme ?? "http";
  const send = scheme === "https" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      {
        host: "127.0.0.1",
        port,
        path: options.path ?? "/metrics",
        headers: options.gzip ? { "accept-encoding": "gzip" } : {},
        ...(scheme === "https" ? { rejectUnauthorized: false } : {}),
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const raw = Buffer.concat(chunks);
          const body = res.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw;
          const text = body.toString("utf8");
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, samples: parseSamples(text) });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** `name{labels}` as prom-client writes it: labels in the given order. */
export function sample(name: string, labels: Record<string, string | number> = {}): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return parts.length === 0 ? name : `${name}{${parts.join(",")}}`;
}
