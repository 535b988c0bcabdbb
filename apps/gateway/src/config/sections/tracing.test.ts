import { describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";

function tracingOf(env: Record<string, string>) {
  const result = loadConfig({ env, argv: [] });
  if (result.kind !== "ok") throw new Error(JSON.stringify(result));
  return result.config.tracing;
}

describe("tracing config (OTEL_*)", () => {
  const offCases: [string, Record<string, string>][] = [
    ["nothing set", {}],
    ["exporter none", { OTEL_TRACES_EXPORTER: "none" }],
    ["SDK disabled", { OTEL_TRACES_EXPORTER: "otlp", OTEL_SDK_DISABLED: "true" }],
    ["only an endpoint", { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }],
  ];
  for (const [name, env] of offCases) {
    it(`is off with ${name}`, () => {
      expect(tracingOf(env)).toEqual({ enabled: false });
    });
  }

  it("defaults to parent-based always-on sampling and the local OTLP/HTTP collector", () => {
    expect(tracingOf({ OTEL_TRACES_EXPORTER: "otlp" })).toEqual({
      enabled: true,
      exporter: "otlp",
      sampler: "parentbased_always_on",
      samplerRatio: 1,
      serviceName: "modelmesh",
      otlpTracesUrl: "http://localhost:4318/v1/traces",
    });
  });

  it("appends /v1/traces to the base endpoint; the traces endpoint is used as is", () => {
    expect(
      tracingOf({ OTEL_TRACES_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" }),
    ).toMatchObject({ otlpTracesUrl: "http://collector:4318/v1/traces" });
    expect(
      tracingOf({
        OTEL_TRACES_EXPORTER: "otlp",
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://other:9999/traces",
      }),
    ).toMatchObject({ otlpTracesUrl: "http://other:9999/traces" });
  });

  it("reads the sampler, its ratio and the service name", () => {
    expect(
      tracingOf({
        OTEL_TRACES_EXPORTER: "console-json",
        OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
        OTEL_TRACES_SAMPLER_ARG: "0.25",
        OTEL_SERVICE_NAME: "mesh-a",
      }),
    ).toMatchObject({ sampler: "parentbased_traceidratio", samplerRatio: 0.25, serviceName: "mesh-a" });
  });

  it("reports every invalid value at once", () => {
    const result = loadConfig({
      env: {
        OTEL_TRACES_EXPORTER: "zipkin",
        OTEL_TRACES_SAMPLER: "sometimes",
        OTEL_TRACES_SAMPLER_ARG: "2",
        OTEL_EXPORTER_OTLP_ENDPOINT: "not a url",
      },
      argv: [],
    });
    expect(result.kind).toBe("invalid");
    const errors = result.kind === "invalid" ? result.errors.join("\n") : "";
    for (const name of [
      "OTEL_TRACES_EXPORTER",
      "OTEL_TRACES_SAMPLER=",
      "OTEL_TRACES_SAMPLER_ARG",
      "OTEL_EXPORTER_OTLP_ENDPOINT",
    ]) {
      expect(errors).toContain(name);
    }
  });
});
