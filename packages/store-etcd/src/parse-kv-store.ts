import { existsSync, statSync } from "node:fs";
import type { EtcdConnectionConfig } from "./connection-config.js";
import { parseEndpointList } from "./connection-config.js";
import { parseJsonConfig } from "./json-config.js";

/** Result of {@link parseEtcdKvStore}: the config, or every problem found. */
export type EtcdKvStoreParseResult =
  | { readonly ok: true; readonly config: EtcdConnectionConfig; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Parses a `KV_STORE` value naming etcd (§1.1, §12.1):
 *
 * - `etcd:<endpoints>[;rootPrefix=<ns>]`, endpoints `[http(s)://]host[:port]` separated by commas;
 * - `etcd:<path to a JSON config file>` (see {@link parseJsonConfig}).
 *
 * An unset `KV_STORE` means the embedded store; that choice is the caller's. Every problem is
 * reported, not only the first.
 */
export function parseEtcdKvStore(value: string): EtcdKvStoreParseResult {
  const trimmed = value.trim();
  if (trimmed.startsWith("zookeeper:")) {
    return {
      ok: false,
      problems: ["KV_STORE: ZooKeeper is not supported; use etcd:<endpoints> or leave it unset"],
    };
  }
  if (!trimmed.startsWith("etcd:")) {
    return { ok: false, problems: [`KV_STORE must start with "etcd:", got ${JSON.stringify(value)}`] };
  }
  const rest = trimmed.slice("etcd:".length);
  if (existsSync(rest) && statSync(rest).isFile()) {
    const parsed = parseJsonConfig(rest);
    return parsed.config === undefined
      ? { ok: false, problems: parsed.problems }
      : { ok: true, config: parsed.config, warnings: parsed.warnings };
  }
  if (/^\.{0,2}\//.test(rest) || rest.endsWith(".json")) {
    return { ok: false, problems: [`KV_STORE: etcd config file not found: ${rest}`] };
  }
  return parseSimple(rest);
}

function parseSimple(text: string): EtcdKvStoreParseResult {
  const problems: string[] = [];
  const [endpointsText = "", ...options] = text.split(";");
  const endpoints = parseEndpointList(endpointsText, problems);
  let rootPrefix = "";
  for (const option of options) {
    const match = /^rootPrefix=(.+)$/.exec(option.trim());
    if (match?.[1] === undefined)
      problems.push(`KV_STORE: unknown option ${JSON.stringify(option)} (only rootPrefix=<ns>)`);
    else rootPrefix = match[1];
  }
  if (problems.length > 0)
    return { ok: false, problems: problems.map((p) => (p.startsWith("KV_STORE") ? p : `KV_STORE: ${p}`)) };
  const tls = endpoints[0]?.scheme === "https";
  return {
    ok: true,
    config: { endpoints: endpoints.map((e) => e.hostPort), rootPrefix, ...(tls ? { tls: {} } : {}) },
    warnings: [],
  };
}
