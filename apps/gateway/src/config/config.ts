import { ConfigReader, type OptionDoc, parseFlags } from "./reader.js";
import { type BehaviourSection, readBehaviourSection } from "./sections/behaviour.js";
import { type ConnectionLimitsSection, readConnectionLimitsSection } from "./sections/connection-limits.js";
import { type DataplaneConfig, readDataplaneSection } from "./sections/dataplane.js";
import { type IdentitySection, readIdentitySection } from "./sections/identity.js";
import { type MetricsSection, readMetricsSection } from "./sections/metrics.js";
import {
  type PayloadProcessorsSection,
  readPayloadProcessorsSection,
} from "./sections/payload-processors.js";
import { type RuntimeSection, readRuntimeSection } from "./sections/runtime.js";
import { readStaticRegistrationSection, type StaticRegistrationSection } from "./sections/static-models.js";
import { readStoreSection, type StoreSection } from "./sections/store.js";
import { readStreamLimitsSection, type StreamLimitsSection } from "./sections/stream-limits.js";
import { readTimingsSection, type TimingsSection } from "./sections/timings.js";
import { readTlsSection, type TlsSection } from "./sections/tls.js";
import { readTracingSection, type TracingSection } from "./sections/tracing.js";
import { readTransportSection, type TransportSection } from "./sections/transport.js";
import { readTypeConstraintsSection, type TypeConstraintsSection } from "./sections/type-constraints.js";

/** The whole configuration of one `modelmesh` process: parsed once, validated, then frozen. */
export interface GatewayConfig {
  readonly identity: IdentitySection;
  readonly store: StoreSection;
  readonly transport: TransportSection;
  /** `MM_TLS_*`, `MM_ENABLE_SSL`, ...: TLS of the external and peer ports. */
  readonly tls: TlsSection;
  /** `MM_CONN_*`: bounds on the connections of every port. */
  readonly connectionLimits: ConnectionLimitsSection;
  readonly runtime: RuntimeSection;
  readonly behaviour: BehaviourSection;
  readonly timings: TimingsSection;
  /** Request body timeout, stalled-reader timeout and response window of each call. */
  readonly streamLimits: StreamLimitsSection;
  readonly dataplane: DataplaneConfig;
  /** `MM_TYPE_CONSTRAINTS` / `MM_TYPE_CONSTRAINTS_PATH`. */
  readonly typeConstraints: TypeConstraintsSection;
  /** `MM_AUTO_REGISTER_MODELS` / `MM_AUTO_REGISTER_MODEL_PATH`: models registered at start. */
  readonly staticRegistration: StaticRegistrationSection;
  /** `MM_PAYLOAD_PROCESSORS` and its queue settings. */
  readonly payloadProcessors: PayloadProcessorsSection;
  /** `MM_METRICS`, `MM_INFO_METRICS`, `MM_LOG_PROMETHEUS_REQS`. */
  readonly metrics: MetricsSection;
  /** `OTEL_*`: OpenTelemetry tracing (off unless an exporter is named). */
  readonly tracing: TracingSection;
  /** File the dataplane config came from (watched for changes), if any. */
  readonly dataplanePath?: string;
}

/** Outcome of {@link loadConfig}. */
export type LoadConfigResult =
  | { readonly kind: "ok"; readonly config: GatewayConfig; readonly warnings: readonly string[] }
  | { readonly kind: "help"; readonly text: string }
  | { readonly kind: "invalid"; readonly errors: readonly string[]; readonly warnings: readonly string[] };

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

function crossChecks(r: ConfigReader, config: Omit<GatewayConfig, "dataplane">): void {
  const ports = [
    ["MM_SVC_GRPC_PORT", config.transport.grpcPort],
    ["MM_INTERNAL_GRPC_PORT", config.transport.internalPort],
    ["MM_PROBE_PORT", config.transport.probePort],
    ["MM_PRESTOP_WAIT_PORT", config.transport.prestopPort],
    ["MM_METRICS port", config.metrics.metrics.kind === "prometheus" ? config.metrics.metrics.port : null],
  ] as const;
  for (const [i, [nameA, a]] of ports.entries()) {
    for (const [nameB, b] of ports.slice(i + 1)) {
      if (a !== null && a === b) r.fail(`${nameA} and ${nameB} are both ${a}; each port must differ`);
    }
  }
  if (config.timings.minSecondCopyAgeMs > config.timings.maxSecondCopyAgeMs) {
    r.fail("MM_MIN_SECOND_COPY_AGE_MS must not exceed MM_MAX_SECOND_COPY_AGE_MS");
  }
}

/** Formats the option list for `modelmesh --help`. */
export function formatHelp(docs: readonly OptionDoc[]): string {
  const lines = [
    "Usage: modelmesh [--flag=value ...]",
    "",
    "Every option is a flag or an environment variable (flags win).",
    "",
  ];
  for (const doc of docs) {
    const env = doc.env.join(" | ");
    const def = doc.defaultText === "" ? "" : ` (default ${doc.defaultText})`;
    lines.push(`  --${doc.flag}  ${env}${def}`, `      ${doc.description}`);
  }
  return lines.join("\n");
}

/**
 * Reads the configuration from `argv` (flags, without node and script) and `env`. Every problem
 * is reported at once; a valid result is deep-frozen.
 */
export function loadConfig(input: {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
}): LoadConfigResult {
  const { flags, errors: flagErrors } = parseFlags(input.argv);
  const wantsHelp = flags.delete("help");
  const r = new ConfigReader(input.env, flags);
  for (const e of flagErrors) r.fail(e);
  const store = readStoreSection(r);
  const transport = readTransportSection(r);
  const tls = readTlsSection(r);
  const connectionLimits = readConnectionLimitsSection(r);
  const identity = readIdentitySection(r, {
    etcd: store.store.kind === "etcd",
    grpcPort: transport.grpcPort,
  });
  const runtime = readRuntimeSection(r);
  const behaviour = readBehaviourSection(r);
  const timings = readTimingsSection(r);
  const streamLimits = readStreamLimitsSection(r);
  const { dataplane, dataplanePath } = readDataplaneSection(r);
  const typeConstraints = readTypeConstraintsSection(r);
  const staticRegistration = readStaticRegistrationSection(r);
  const payloadProcessors = readPayloadProcessorsSection(r);
  const metrics = readMetricsSection(r, input.env);
  const tracing = readTracingSection(r);
  if (wantsHelp) return { kind: "help", text: formatHelp(r.docs) };
  for (const flag of r.unknownFlags()) r.fail(`unknown option --${flag} (see --help)`);
  const config = {
    identity,
    store,
    transport,
    tls,
    connectionLimits,
    runtime,
    behaviour,
    timings,
    streamLimits,
    dataplane,
    typeConstraints,
    staticRegistration,
    payloadProcessors,
    metrics,
    tracing,
    ...(dataplanePath ? { dataplanePath } : {}),
  };
  crossChecks(r, config);
  if (r.errors.length > 0) return { kind: "invalid", errors: r.errors, warnings: r.warnings };
  return { kind: "ok", config: deepFreeze(config), warnings: r.warnings };
}
