import { boolean, oneOf, text } from "../parsers.js";
import type { ConfigReader, ValueParser } from "../reader.js";

/** Where finished spans go. `console-json` is ours: one JSON log line per span (tests, debugging). */
export type TracesExporter = "otlp" | "console" | "console-json";

/** The standard sampler names of `OTEL_TRACES_SAMPLER`. */
export type TracesSampler =
  | "always_on"
  | "always_off"
  | "traceidratio"
  | "parentbased_always_on"
  | "parentbased_always_off"
  | "parentbased_traceidratio";

/** OpenTelemetry tracing, from the standard `OTEL_*` variables. */
export type TracingSection =
  /** No exporter set (or `none`, or `OTEL_SDK_DISABLED=true`): no SDK is loaded. */
  | { readonly enabled: false }
  | {
      readonly enabled: true;
      readonly exporter: TracesExporter;
      readonly sampler: TracesSampler;
      /** `OTEL_TRACES_SAMPLER_ARG` for the ratio samplers, 0–1. */
      readonly samplerRatio: number;
      /** `OTEL_SERVICE_NAME`. */
      readonly serviceName: string;
      /** Full OTLP/HTTP traces URL, from `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`. */
      readonly otlpTracesUrl: string;
    };

const exporterNames = ["none", "otlp", "console", "console-json"] as const;

const ratio: ValueParser<number> = (raw) => {
  const value = Number(raw.trim());
  return raw.trim() !== "" && Number.isFinite(value) && value >= 0 && value <= 1
    ? { ok: true, value }
    : { ok: false, error: "must be a number between 0 and 1" };
};

const url: ValueParser<string> = (raw) => {
  try {
    return { ok: true, value: new URL(raw.trim()).toString() };
  } catch {
    return { ok: false, error: "must be an absolute URL" };
  }
};

/**
 * Reads the OpenTelemetry variables. Unlike the OpenTelemetry default (`otlp`), tracing is off
 * unless `OTEL_TRACES_EXPORTER` names an exporter: a mesh without a collector sends nothing.
 */
export function readTracingSection(r: ConfigReader): TracingSection {
  const disabled = r.read(
    { env: "OTEL_SDK_DISABLED", flag: "otel-sdk-disabled", description: "turn tracing off", default: false },
    boolean,
  );
  const exporter = r.read<(typeof exporterNames)[number]>(
    {
      env: "OTEL_TRACES_EXPORTER",
      flag: "otel-traces-exporter",
      description: "trace exporter: otlp, console, console-json (one log line per span) or none",
      default: "none",
    },
    oneOf(...exporterNames),
  );
  const sampler = r.read<TracesSampler>(
    {
      env: "OTEL_TRACES_SAMPLER",
      flag: "otel-traces-sampler",
      description: "sampler: always_on, always_off, traceidratio, parentbased_*",
      default: "parentbased_always_on",
    },
    oneOf<TracesSampler>(
      "always_on",
      "always_off",
      "traceidratio",
      "parentbased_always_on",
      "parentbased_always_off",
      "parentbased_traceidratio",
    ),
  );
  const samplerRatio = r.read(
    {
      env: "OTEL_TRACES_SAMPLER_ARG",
      flag: "otel-traces-sampler-arg",
      description: "sampling ratio of the ratio samplers (0-1)",
      default: 1,
    },
    ratio,
  );
  const serviceName = r.read(
    {
      env: "OTEL_SERVICE_NAME",
      flag: "otel-service-name",
      description: "service.name of spans",
      default: "modelmesh",
    },
    text,
  );
  const endpoint = r.read(
    {
      env: "OTEL_EXPORTER_OTLP_ENDPOINT",
      flag: "otel-exporter-otlp-endpoint",
      description: "OTLP/HTTP base URL (/v1/traces is appended)",
      default: "http://localhost:4318",
    },
    url,
  );
  const tracesUrl = r.read(
    {
      env: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
      flag: "otel-exporter-otlp-traces-endpoint",
      description: "OTLP/HTTP traces URL, used as is",
    },
    url,
  );
  if (disabled || exporter === "none") return { enabled: false };
  return {
    enabled: true,
    exporter,
    sampler,
    samplerRatio,
    serviceName,
    otlpTracesUrl: tracesUrl ?? `${endpoint.replace(/\/+$/, "")}/v1/traces`,
  };
}
