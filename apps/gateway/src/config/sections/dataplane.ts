import { readFileSync } from "node:fs";
import { text } from "../parsers.js";
import type { ConfigReader } from "../reader.js";

/** How one inference method finds its model id (§2.1 of the behaviour reference). */
export interface RpcConfig {
  /** Field-number path of a string field in the request holding the (v)model id. */
  readonly idExtractionPath: readonly number[];
  /** The extracted id is a vmodel id. */
  readonly vModelId: boolean;
}

/** `MM_DATAPLANE_CONFIG`: per-method id extraction and the method allow-list. */
export interface DataplaneConfig {
  readonly rpcConfigs: Readonly<Record<string, RpcConfig>>;
  /** Methods not in `rpcConfigs` are allowed (true when no config is given). */
  readonly allowOtherRpcs: boolean;
}

/** A parsed value or the reason it is invalid. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

function checkRpcConfig(method: string, value: unknown): Result<RpcConfig> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, error: `rpcConfigs.${method} must be an object` };
  }
  const { idExtractionPath, vModelId, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0)
    return { ok: false, error: `rpcConfigs.${method}: unknown properties ${unknown.join(", ")}` };
  const path = idExtractionPath ?? [];
  if (!Array.isArray(path) || !path.every((n) => Number.isInteger(n) && n > 0 && n < 2 ** 29)) {
    return { ok: false, error: `rpcConfigs.${method}.idExtractionPath must be a list of field numbers` };
  }
  if (vModelId !== undefined && typeof vModelId !== "boolean") {
    return { ok: false, error: `rpcConfigs.${method}.vModelId must be true or false` };
  }
  return { ok: true, value: { idExtractionPath: path as number[], vModelId: vModelId === true } };
}

/** Validates a parsed dataplane config document; unknown properties are rejected as in the original. */
export function checkDataplaneConfig(value: unknown): Result<DataplaneConfig> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { ok: false, error: "must be a JSON object" };
  const { rpcConfigs = {}, allowOtherRpcs = false, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) return { ok: false, error: `unknown properties ${unknown.join(", ")}` };
  if (typeof allowOtherRpcs !== "boolean")
    return { ok: false, error: "allowOtherRpcs must be true or false" };
  if (typeof rpcConfigs !== "object" || rpcConfigs === null || Array.isArray(rpcConfigs)) {
    return { ok: false, error: "rpcConfigs must be an object" };
  }
  const configs: Record<string, RpcConfig> = {};
  for (const [method, config] of Object.entries(rpcConfigs)) {
    if (!/^[\w.]+\/\w+$/.test(method))
      return { ok: false, error: `rpcConfigs key ${method} must be package.Service/Method` };
    const checked = checkRpcConfig(method, config);
    if (!checked.ok) return checked;
    configs[method] = checked.value;
  }
  return { ok: true, value: { rpcConfigs: configs, allowOtherRpcs } };
}

/** Parses and validates a dataplane config document (JSON text). */
export function parseDataplaneDocument(raw: string): Result<DataplaneConfig> {
  try {
    return checkDataplaneConfig(JSON.parse(raw));
  } catch (e) {
    return { ok: false, error: `is not valid JSON (${e instanceof Error ? e.message : String(e)})` };
  }
}

/** The effective config when none is given: header ids only, every method allowed. */
export const defaultDataplaneConfig: DataplaneConfig = { rpcConfigs: {}, allowOtherRpcs: true };

/** Reads `MM_DATAPLANE_CONFIG` (JSON) or `MM_DATAPLANE_CONFIG_PATH` (a file); both set is an error. */
export function readDataplaneSection(r: ConfigReader): {
  dataplane: DataplaneConfig;
  dataplanePath?: string;
} {
  const inline = r.read(
    { env: "MM_DATAPLANE_CONFIG", description: "dataplane RPC config (JSON)" },
    parseDataplaneDocument,
  );
  const path = r.read(
    { env: "MM_DATAPLANE_CONFIG_PATH", description: "dataplane RPC config file (JSON)" },
    text,
  );
  if (inline && path) r.fail("MM_DATAPLANE_CONFIG and MM_DATAPLANE_CONFIG_PATH are mutually exclusive");
  if (path === undefined) return { dataplane: inline ?? defaultDataplaneConfig };
  let content: string;
  try {
    content = readFileSync(path, "utf8");
  } catch (e) {
    r.fail(`MM_DATAPLANE_CONFIG_PATH=${path}: cannot read (${e instanceof Error ? e.message : String(e)})`);
    return { dataplane: defaultDataplaneConfig };
  }
  const parsed = parseDataplaneDocument(content);
  if (!parsed.ok) r.fail(`MM_DATAPLANE_CONFIG_PATH=${path}: ${parsed.error}`);
  return { dataplane: parsed.ok ? parsed.value : defaultDataplaneConfig, dataplanePath: path };
}
