import type { Logger } from "@modelmesh/core";
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";

/** Span kinds by number (the API's `SpanKind` enum), for readable log lines. */
const KIND_NAMES = ["internal", "server", "client", "producer", "consumer"];

/**
 * `OTEL_TRACES_EXPORTER=console-json`: writes each finished span as one JSON log line (message
 * `span`, fields `traceId`, `spanId`, `parentSpanId`, `name`, `kind`, `durationMs`, `attributes`,
 * `error`) through the gateway's logger at info level. Meant for tests and for looking at a trace
 * without a collector.
 */
export function createSpanLogExporter(logger: Logger): SpanExporter {
  return {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
      for (const span of spans) {
        const context = span.spanContext();
        const [seconds, nanos] = span.duration;
        logger.info(
          {
            traceId: context.traceId,
            spanId: context.spanId,
            parentSpanId: span.parentSpanContext?.spanId,
            name: span.name,
            kind: KIND_NAMES[span.kind] ?? String(span.kind),
            durationMs: seconds * 1000 + nanos / 1e6,
            attributes: span.attributes,
            ...(span.status.code === 2 ? { error: span.status.message ?? "" } : {}),
          },
          "span",
        );
      }
      done({ code: ExportResultCode.SUCCESS });
    },
    shutdown: () => Promise.resolve(),
  };
}
