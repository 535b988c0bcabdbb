import type { Logger } from "@modelmesh/core";
import type { Tracer } from "@opentelemetry/api";
import type { Sampler, SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { TracingSection } from "../config/sections/tracing.js";
import { createIdGenerator } from "./id-generator.js";

/** A started tracing SDK: the tracer to give the mesh, and how to flush and stop it. */
export interface GatewayTracing {
  readonly tracer: Tracer;
  /** Exports what is buffered and stops the SDK; never rejects. */
  shutdown(): Promise<void>;
}

/** What {@link startTracing} needs besides the config. */
export interface StartTracingOptions {
  readonly logger: Logger;
  /** `service.instance.id` of every span. */
  readonly instanceId: string;
  /** `service.version`. */
  readonly version?: string;
}

type SdkTraceBase = typeof import("@opentelemetry/sdk-trace-base");

function sampler(sdk: SdkTraceBase, config: Extract<TracingSection, { enabled: true }>): Sampler {
  const ratio = new sdk.TraceIdRatioBasedSampler(config.samplerRatio);
  switch (config.sampler) {
    case "always_on":
      return new sdk.AlwaysOnSampler();
    case "always_off":
      return new sdk.AlwaysOffSampler();
    case "traceidratio":
      return ratio;
    case "parentbased_always_on":
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() });
    case "parentbased_always_off":
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new sdk.ParentBasedSampler({ root: ratio });
    default: {
      const never: never = config.sampler;
      throw new Error(`unknown sampler ${String(never)}`);
    }
  }
}

async function exporter(
  sdk: SdkTraceBase,
  config: Extract<TracingSection, { enabled: true }>,
  logger: Logger,
): Promise<SpanExporter> {
  switch (config.exporter) {
    case "otlp": {
      const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
      return new OTLPTraceExporter({ url: config.otlpTracesUrl });
    }
    case "console":
      return new sdk.ConsoleSpanExporter();
    case "console-json": {
      const { createSpanLogExporter } = await import("./span-log-exporter.js");
      return createSpanLogExporter(logger.child({ component: "tracing" }));
    }
    default: {
      const never: never = config.exporter;
      throw new Error(`unknown exporter ${String(never)}`);
    }
  }
}

/**
 * Starts the OpenTelemetry SDK when the config asks for tracing, else returns `undefined` and
 * loads nothing. Installs W3C trace-context propagation (`traceparent`, `tracestate`). No context
 * manager is installed: the mesh passes each call's trace context explicitly (an AsyncLocalStorage
 * one would slow down every promise of the process on Node 20). Spans are batched for OTLP and written at once for the console exporters.
 */
export async function startTracing(
  config: TracingSection,
  options: StartTracingOptions,
): Promise<GatewayTracing | undefined> {
  if (!config.enabled) return undefined;
  const [api, sdk, core, resources] = await Promise.all([
    import("@opentelemetry/api"),
    import("@opentelemetry/sdk-trace-base"),
    import("@opentelemetry/core"),
    import("@opentelemetry/resources"),
  ]);
  api.propagation.setGlobalPropagator(new core.W3CTraceContextPropagator());
  const spanExporter = await exporter(sdk, config, options.logger);
  const processor =
    config.exporter === "otlp"
      ? new sdk.BatchSpanProcessor(spanExporter)
      : new sdk.SimpleSpanProcessor(spanExporter);
  const provider = new sdk.BasicTracerProvider({
    resource: resources.resourceFromAttributes({
      "service.name": config.serviceName,
      "service.instance.id": options.instanceId,
      ...(options.version === undefined ? {} : { "service.version": options.version }),
    }),
    sampler: sampler(sdk, config),
    idGenerator: createIdGenerator(),
    spanProcessors: [processor],
  });
  options.logger.info(
    {
      exporter: config.exporter,
      sampler: config.sampler,
      ...(config.exporter === "otlp" ? { url: config.otlpTracesUrl } : {}),
    },
    "tracing on",
  );
  return {
    tracer: provider.getTracer("modelmesh"),
    async shutdown() {
      await provider.shutdown().catch((error: unknown) => {
        options.logger.warn({ err: error }, "flushing spans failed");
      });
      api.propagation.disable();
    },
  };
}
