import { boolean } from "../parsers.js";
import type { ConfigReader, ValueParser } from "../reader.js";

/** Where metrics go (`MM_METRICS`). */
export type MetricsConfig =
  | { readonly kind: "disabled" }
  | {
      readonly kind: "statsd";
      /** UDP port on localhost the datagrams go to. Default 8126. */
      readonly port: number;
      /** Old dotted names with the `model-mesh` prefix and no tags. Default false. */
      readonly legacy: boolean;
      /** `method` is the full gRPC method name rather than the part after `/`. Default false. */
      readonly fqNames: boolean;
    }
  | {
      readonly kind: "prometheus";
      /** Port of the scrape endpoint. Default 2112. */
      readonly port: number;
      /** `https` (self-signed certificate made at start, the default) or `http`. */
      readonly scheme: "http" | "https";
      /** `method` is the full gRPC method name rather than the part after `/`. Default false. */
      readonly fqNames: boolean;
      /** Adds `modelId` and `vModelId` labels. Default false. */
      readonly perModelMetrics: boolean;
    };

/** `MM_INFO_METRICS`: a gauge of value 1 whose label values come from environment variables. */
export interface InfoMetric {
  readonly name: string;
  /** Label name → value (already read from the named variable). */
  readonly labels: Readonly<Record<string, string>>;
}

/** The metrics options. */
export interface MetricsSection {
  readonly metrics: MetricsConfig;
  readonly info?: InfoMetric;
  /** `MM_LOG_PROMETHEUS_REQS`: log each scrape at info. */
  readonly logScrapes: boolean;
}

/** What `MM_METRICS` means when unset, as in the original: statsd to localhost:8126. */
export const DEFAULT_METRICS: MetricsConfig = { kind: "statsd", port: 8126, legacy: false, fqNames: false };

// `kind` or `kind:p1=v1;p2=v2`: the form the original accepted (`\w` is ASCII word characters).
const METRICS_FORM = /^([a-z;]+)(:\w+=[^;]+(?:;\w+=[^;]+)*)?$/;
// `metric_name;label1=ENV_1,label2=ENV_2`.
const INFO_FORM = /^([a-z_:]+);(\w+=[^;]+(?:;\w+=[^,]+)*)?$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** At most this many labels on the info metric. */
const MAX_INFO_LABELS = 4;

const ok = <T>(value: T) => ({ ok: true as const, value });
const err = (error: string) => ({ ok: false as const, error });

/** `true` in any case is true, anything else false (as the original read these flags). */
const flag = (value: string) => value.toLowerCase() === "true";

function splitParams(text: string | undefined): [string, string][] {
  if (text === undefined) return [];
  // Each `key=value`; a value holding `=` keeps only its first part, as in the original.
  return text
    .slice(1)
    .split(";")
    .map((p) => {
      const [key = "", value = ""] = p.split("=");
      return [key, value];
    });
}

function parsePort(value: string): number | string {
  if (!/^\d+$/.test(value)) return `invalid metrics port "${value}"`;
  const port = Number(value);
  return port >= 1 && port <= 65_535 ? port : `metrics port ${port} is not between 1 and 65535`;
}

function statsd(
  params: [string, string][],
): { ok: true; value: MetricsConfig } | { ok: false; error: string } {
  let config = { ...DEFAULT_METRICS } as Extract<MetricsConfig, { kind: "statsd" }>;
  const problems: string[] = [];
  for (const [key, value] of params) {
    if (key === "port") {
      const port = parsePort(value);
      if (typeof port === "string") problems.push(port);
      else config = { ...config, port };
    } else if (key === "legacy") config = { ...config, legacy: flag(value) };
    else if (key === "fq_names") config = { ...config, fqNames: flag(value) };
    else problems.push(`unrecognized statsd parameter "${key}" (port, legacy, fq_names)`);
  }
  return problems.length > 0 ? err(problems.join("; ")) : ok(config);
}

function prometheus(
  params: [string, string][],
): { ok: true; value: MetricsConfig } | { ok: false; error: string } {
  let config: Extract<MetricsConfig, { kind: "prometheus" }> = {
    kind: "prometheus",
    port: 2112,
    scheme: "https",
    fqNames: false,
    perModelMetrics: false,
  };
  const problems: string[] = [];
  for (const [key, value] of params) {
    if (key === "port") {
      const port = parsePort(value);
      if (typeof port === "string") problems.push(port);
      else config = { ...config, port };
    } else if (key === "scheme") {
      if (value === "http" || value === "https") config = { ...config, scheme: value };
      else problems.push(`unsupported Prometheus metrics scheme "${value}" (must be either http or https)`);
    } else if (key === "fq_names") config = { ...config, fqNames: flag(value) };
    else if (key === "per_model_metrics") config = { ...config, perModelMetrics: flag(value) };
    else if (key !== "mem_detail") {
      problems.push(
        `unrecognized prometheus parameter "${key}" (port, scheme, fq_names, per_model_metrics, mem_detail)`,
      );
    }
  }
  return problems.length > 0 ? err(problems.join("; ")) : ok(config);
}

/** Parses `MM_METRICS`: `disabled`, `statsd[:port=..;legacy=..;fq_names=..]`, `prometheus[:...]`. */
export const parseMetrics: ValueParser<MetricsConfig> = (raw) => {
  const match = METRICS_FORM.exec(raw);
  if (!match) return err("is not of the form <disabled|statsd|prometheus>[:key=value;key=value...]");
  const kind = (match[1] ?? "").toLowerCase();
  const params = splitParams(match[2]);
  switch (kind) {
    case "disabled":
      return ok({ kind: "disabled" });
    case "statsd":
      return statsd(params);
    case "prometheus":
      return prometheus(params);
    default:
      return err(`invalid metrics type "${kind}" (disabled, statsd or prometheus)`);
  }
};

/** Parses `MM_INFO_METRICS`, reading each label's value from the variable it names in `env`. */
export function parseInfoMetric(env: Readonly<Record<string, string | undefined>>): ValueParser<InfoMetric> {
  return (raw) => {
    const match = INFO_FORM.exec(raw);
    if (!match) return err("is not of the form <metric_name>;<label>=<ENV_VAR>[,<label>=<ENV_VAR>...]");
    const name = match[1] ?? "";
    if (match[2] === undefined) return err("names no label (<metric_name>;<label>=<ENV_VAR>,...)");
    const pairs = match[2].split(",");
    if (pairs.length > MAX_INFO_LABELS)
      return err(`has ${pairs.length} labels; the most is ${MAX_INFO_LABELS}`);
    const labels: Record<string, string> = {};
    const problems: string[] = [];
    for (const pair of pairs) {
      const [label = "", variable] = pair.split("=");
      if (!LABEL_NAME.test(label)) problems.push(`"${label}" is not a valid label name`);
      else if (variable === undefined || variable === "") problems.push(`label "${label}" names no variable`);
      else if (env[variable] === undefined) problems.push(`env var ${variable} is unresolved`);
      else labels[label] = env[variable];
    }
    return problems.length > 0 ? err(problems.join("; ")) : ok({ name, labels });
  };
}

/** Reads `MM_METRICS`, `MM_INFO_METRICS` and `MM_LOG_PROMETHEUS_REQS`. */
export function readMetricsSection(
  r: ConfigReader,
  env: Readonly<Record<string, string | undefined>>,
): MetricsSection {
  const metrics = r.read(
    {
      env: "MM_METRICS",
      description:
        "metrics: disabled | statsd[:port=8126;legacy=false;fq_names=false] | " +
        "prometheus[:port=2112;scheme=https;fq_names=false;per_model_metrics=false]",
      default: DEFAULT_METRICS,
      defaultText: "statsd:port=8126",
    },
    parseMetrics,
  );
  const info = r.read(
    {
      env: "MM_INFO_METRICS",
      description: "info gauge (Prometheus): <metric_name>;<label>=<ENV_VAR>,... (≤ 4 labels)",
    },
    parseInfoMetric(env),
  );
  const logScrapes = r.read(
    { env: "MM_LOG_PROMETHEUS_REQS", description: "log each Prometheus scrape", default: false },
    boolean,
  );
  for (const name of ["MM_METRICS_STATSD_PORT", "MM_METRICS_PROMETHEUS_PORT"]) {
    if (env[name] !== undefined) r.warnings.push(`${name} is deprecated and has no effect; use MM_METRICS`);
  }
  if (env.MM_METRICS?.includes("mem_detail=")) {
    r.warnings.push("MM_METRICS: mem_detail selects JVM memory exporters and does not apply here; ignored");
  }
  return { metrics, ...(info === undefined ? {} : { info }), logScrapes };
}
