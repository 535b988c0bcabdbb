import { describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";
import { parseInfoMetric, parseMetrics } from "./metrics.js";

describe("parseMetrics()", () => {
  const valid: [string, unknown][] = [
    ["disabled", { kind: "disabled" }],
    ["statsd", { kind: "statsd", port: 8126, legacy: false, fqNames: false }],
    ["statsd:port=9125;legacy=true", { kind: "statsd", port: 9125, legacy: true, fqNames: false }],
    ["statsd:fq_names=TRUE", { kind: "statsd", port: 8126, legacy: false, fqNames: true }],
    // Anything but "true" is false, as the original read these flags.
    ["statsd:legacy=yes", { kind: "statsd", port: 8126, legacy: false, fqNames: false }],
    [
      "prometheus",
      { kind: "prometheus", port: 2112, scheme: "https", fqNames: false, perModelMetrics: false },
    ],
    [
      "prometheus:port=2113;scheme=http;per_model_metrics=true;fq_names=true",
      { kind: "prometheus", port: 2113, scheme: "http", fqNames: true, perModelMetrics: true },
    ],
    [
      "prometheus:mem_detail=all",
      { kind: "prometheus", port: 2112, scheme: "https", fqNames: false, perModelMetrics: false },
    ],
    // Parameters of `disabled` are ignored, as in the original.
    ["disabled:port=1", { kind: "disabled" }],
  ];
  for (const [raw, expected] of valid) {
    it(`reads ${JSON.stringify(raw)}`, () => {
      expect(parseMetrics(raw)).toEqual({ ok: true, value: expected });
    });
  }

  const invalid: [string, RegExp][] = [
    ["", /is not of the form/],
    ["Prometheus", /is not of the form/],
    ["prometheus:", /is not of the form/],
    ["prometheus:port", /is not of the form/],
    ["prometheus:port=", /is not of the form/],
    ["prometheus:port=2112;", /is not of the form/],
    ["prometheus;port=2112", /invalid metrics type "prometheus;port=2112"|is not of the form/],
    ["prometheus port=2112", /is not of the form/],
    ["prometheus:per-model=true", /is not of the form/],
    ["graphite", /invalid metrics type "graphite"/],
    ["statsd;", /invalid metrics type "statsd;"/],
    ["prometheus:port=abc", /invalid metrics port "abc"/],
    ["prometheus:port=70000", /not between 1 and 65535/],
    ["statsd:port=-1", /invalid metrics port "-1"/],
    ["prometheus:scheme=HTTPS", /unsupported Prometheus metrics scheme "HTTPS"/],
    ["prometheus:scheme=ftp", /must be either http or https/],
    ["prometheus:legacy=true", /unrecognized prometheus parameter "legacy"/],
    ["statsd:scheme=http", /unrecognized statsd parameter "scheme"/],
    ["statsd:per_model_metrics=true", /unrecognized statsd parameter "per_model_metrics"/],
    ["statsd:mem_detail=all", /unrecognized statsd parameter "mem_detail"/],
  ];
  for (const [raw, message] of invalid) {
    it(`refuses ${JSON.stringify(raw)}`, () => {
      const result = parseMetrics(raw);
      expect(result.ok).toBe(false);
      expect(result.ok ? "" : result.error).toMatch(message);
    });
  }
});

describe("parseInfoMetric()", () => {
  const env = { DEPLOYMENT: "ga-tf-mm", SLOT: "ga", COMPONENT: "tf-mm", GROUP: "clu", EMPTY: "" };

  it("reads the label values from the variables named", () => {
    const parse = parseInfoMetric(env);
    expect(
      parse(
        "assistant_deployment_info:relabel;deployment=DEPLOYMENT,slot=SLOT,component=COMPONENT,group=GROUP",
      ),
    ).toEqual({
      ok: true,
      value: {
        name: "assistant_deployment_info:relabel",
        labels: { deployment: "ga-tf-mm", slot: "ga", component: "tf-mm", group: "clu" },
      },
    });
    expect(parse("info;empty=EMPTY")).toEqual({ ok: true, value: { name: "info", labels: { empty: "" } } });
  });

  const invalid: [string, RegExp][] = [
    ["info", /is not of the form/],
    ["Info;a=SLOT", /is not of the form/],
    ["info;", /names no label/],
    ["info;a=UNSET_VARIABLE", /env var UNSET_VARIABLE is unresolved/],
    ["info;a=SLOT,b", /label "b" names no variable/],
    ["info;1a=SLOT", /"1a" is not a valid label name/],
    ["info;a=SLOT,b=SLOT,c=SLOT,d=SLOT,e=SLOT", /has 5 labels; the most is 4/],
  ];
  for (const [raw, message] of invalid) {
    it(`refuses ${JSON.stringify(raw)}`, () => {
      const result = parseInfoMetric(env)(raw);
      expect(result.ok).toBe(false);
      expect(result.ok ? "" : result.error).toMatch(message);
    });
  }
});

describe("metrics config", () => {
  it("defaults to StatsD on port 8126 when MM_METRICS is unset", () => {
    const result = loadConfig({ env: {}, argv: [] });
    if (result.kind !== "ok") throw new Error(JSON.stringify(result));
    expect(result.config.metrics).toEqual({
      metrics: { kind: "statsd", port: 8126, legacy: false, fqNames: false },
      logScrapes: false,
    });
  });

  it("reports a bad MM_METRICS and MM_INFO_METRICS together with other errors", () => {
    const result = loadConfig({
      env: { MM_METRICS: "prometheus:scheme=ftp", MM_INFO_METRICS: "info;a=NOPE", MM_PROBE_PORT: "x" },
      argv: [],
    });
    expect(result.kind).toBe("invalid");
    const errors = result.kind === "invalid" ? result.errors : [];
    expect(errors).toEqual(
      expect.arrayContaining([
        'MM_METRICS="prometheus:scheme=ftp": unsupported Prometheus metrics scheme "ftp" (must be either http or https)',
        'MM_INFO_METRICS="info;a=NOPE": env var NOPE is unresolved',
        expect.stringMatching(/^MM_PROBE_PORT=/),
      ]),
    );
  });

  it("refuses a Prometheus port another port uses", () => {
    const result = loadConfig({ env: { MM_METRICS: "prometheus:port=8089" }, argv: [] });
    expect(result.kind === "invalid" ? result.errors : []).toEqual([
      "MM_PROBE_PORT and MM_METRICS port are both 8089; each port must differ",
    ]);
  });

  it("warns about the deprecated port variables and mem_detail", () => {
    const result = loadConfig({
      env: { MM_METRICS: "prometheus:mem_detail=none", MM_METRICS_STATSD_PORT: "1" },
      argv: [],
    });
    expect(result.kind).toBe("ok");
    const warnings = result.kind === "ok" ? result.warnings : [];
    expect(warnings).toEqual([
      "MM_METRICS_STATSD_PORT is deprecated and has no effect; use MM_METRICS",
      "MM_METRICS: mem_detail selects JVM memory exporters and does not apply here; ignored",
    ]);
  });

  it("reads MM_LOG_PROMETHEUS_REQS and a flag for MM_METRICS", () => {
    const result = loadConfig({
      env: { MM_LOG_PROMETHEUS_REQS: "true" },
      argv: ["--metrics=disabled"],
    });
    if (result.kind !== "ok") throw new Error(JSON.stringify(result));
    expect(result.config.metrics).toEqual({ metrics: { kind: "disabled" }, logScrapes: true });
  });
});
