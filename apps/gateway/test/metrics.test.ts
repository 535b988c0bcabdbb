import { Code } from "@connectrpc/connect";
import { freePort } from "@modelmesh/testkit/free-port";
import { modelHeader, startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Scrape, sample, scrape } from "./metrics-support.js";
import { expectCode, MiB, Status, sizedModel } from "./support.js";

// ModelMeshMetricsTest, then every metric of the original's list after a scripted workload. The
// runtime reports 400 MiB of capacity; with its loading concurrency 6 and 10 MiB default model
// size the unload buffer is 15 MiB, leaving 385 MiB: three 100 MiB models fit, a fourth evicts
// the least recently used one.

const INFO = {
  DEPLOYMENT_NAME: "ga-tf-mm",
  SLOT_NAME: "ga",
  COMPONENT_NAME: "tf-mm",
  GROUP_NAME: "clu",
};
const INFO_METRIC = "assistant_deployment_info:relabel";
const model100 = sizedModel(100 * MiB, 0, 0);
// prom-client writes a bucket's `le` first.
const predictLabels = (modelId: string, le?: string) => ({
  ...(le === undefined ? {} : { le }),
  method: "predict",
  code: "OK",
  modelId,
  vModelId: "",
});
const modelLabels = (modelId: string, le?: string) => ({
  ...(le === undefined ? {} : { le }),
  modelId,
  vModelId: "",
});

afterAll(stopAllProcesses);

describe("ModelMeshMetricsTest (Prometheus over https, per-model metrics)", () => {
  let mesh: TestMesh;
  let metricsPort: number;
  let afterPredicts: Scrape;
  const get = async () => {
    const result = await scrape(metricsPort, { scheme: "https" });
    expect(result.status).toBe(200);
    return result;
  };
  const value = (s: Scrape, name: string, labels: Record<string, string> = {}) =>
    s.samples.get(sample(name, labels));

  beforeAll(async () => {
    metricsPort = await freePort();
    mesh = await startMesh({
      runtime: {
        args: ["--capacity-bytes", String(400 * MiB), "--default-model-size-bytes", String(10 * MiB)],
      },
      env: {
        MM_METRICS: `prometheus:port=${metricsPort};per_model_metrics=true`,
        MM_INFO_METRICS: `${INFO_METRIC};deployment=DEPLOYMENT_NAME,slot=SLOT_NAME,component=COMPONENT_NAME,group=GROUP_NAME`,
        ...INFO,
        // Instance records (and so the instance gauges) follow changes quickly.
        MM_INSTANCE_PUBLISH_MIN_INTERVAL_MS: "100",
      },
    });
    // The original test's workload: one model, 30 small calls, 10 calls of 2 MB.
    const registered = await mesh.management.registerModel({
      modelId: "myModel",
      modelInfo: { type: "ExampleType", path: model100 },
      loadNow: true,
      sync: true,
    });
    expect(Status[registered.status]).toBe("LOADED");
    for (let i = 0; i < 30; i++) {
      await mesh.predictor.predict({ text: "predict me!" }, { headers: modelHeader("myModel") });
    }
    const big = "a".repeat(2_000_000);
    for (let i = 0; i < 10; i++) {
      await mesh.predictor.predict({ text: big }, { headers: modelHeader("myModel"), timeoutMs: 5000 });
    }
    // Sizing runs once the calls that waited for the load ended: wait for it to be recorded.
    await waitUntil(
      async () =>
        value(await get(), "modelmesh_model_sizing_milliseconds_count", modelLabels("myModel")) === 1,
      { timeoutMs: 10_000, intervalMs: 100, description: "sizing recorded" },
    );
    afterPredicts = await get();
  }, 120_000);

  afterAll(async () => {
    expect(await mesh?.stop()).toBe(0);
  });

  it("verifyMetrics: request histograms, sizing, model size, payload sizes, info metric", () => {
    const s = afterPredicts;
    // External and runtime call times: all 40 within the bounds the original checked.
    expect(value(s, "modelmesh_api_request_milliseconds_bucket", predictLabels("myModel", "2000"))).toBe(40);
    expect(value(s, "modelmesh_invoke_model_milliseconds_bucket", predictLabels("myModel", "120000"))).toBe(
      40,
    );
    expect(value(s, "modelmesh_api_request_milliseconds_count", predictLabels("myModel"))).toBe(40);
    expect(value(s, "modelmesh_invoke_model_milliseconds_count", predictLabels("myModel"))).toBe(40);
    // One sizing, well within a minute.
    expect(value(s, "modelmesh_model_sizing_milliseconds_bucket", modelLabels("myModel", "60000"))).toBe(1);
    // 100 MiB: above the 64 MiB bucket, within the 256 MiB one.
    expect(value(s, "modelmesh_loaded_model_size_bytes_bucket", modelLabels("myModel", "67108864"))).toBe(0);
    expect(value(s, "modelmesh_loaded_model_size_bytes_bucket", modelLabels("myModel", "268435456"))).toBe(1);
    // Payloads: 30 small (≤ 128 B), 10 of 2 MB (≤ 2 MiB).
    expect(value(s, "modelmesh_request_size_bytes_bucket", predictLabels("myModel", "128"))).toBe(30);
    expect(value(s, "modelmesh_request_size_bytes_bucket", predictLabels("myModel", "2097152"))).toBe(40);
    expect(value(s, "modelmesh_response_size_bytes_count", predictLabels("myModel"))).toBe(40);
    // One model loaded here.
    expect(value(s, "modelmesh_instance_models_total")).toBe(1);
    // Node's process metrics instead of the JVM's.
    expect(s.samples.has("process_resident_memory_bytes")).toBe(true);
    expect(s.samples.has("nodejs_heap_size_used_bytes")).toBe(true);
    // The info metric, labels from the environment.
    expect(
      value(s, INFO_METRIC, {
        deployment: INFO.DEPLOYMENT_NAME,
        slot: INFO.SLOT_NAME,
        component: INFO.COMPONENT_NAME,
        group: INFO.GROUP_NAME,
      }),
    ).toBe(1);
    // All 40 calls found the copy loaded.
    expect(value(s, "modelmesh_cache_hit", modelLabels("myModel"))).toBe(40);
  });

  it("types every metric as the original (counters keep their names, no _total added)", () => {
    const types = new Map<string, string>();
    for (const line of afterPredicts.text.split("\n")) {
      const match = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (match) types.set(match[1] as string, match[2] as string);
    }
    for (const name of [
      "modelmesh_loadmodel_failure",
      "modelmesh_unloadmodel_failure",
      "modelmesh_unloadmodel_attempt_failure",
      "modelmesh_cache_hit",
    ]) {
      expect(types.get(name), name).toBe("counter");
      expect(afterPredicts.text).not.toContain(`${name}_total`);
    }
    for (const name of [
      "modelmesh_invoke_model_milliseconds",
      "modelmesh_api_request_milliseconds",
      "modelmesh_request_size_bytes",
      "modelmesh_response_size_bytes",
      "modelmesh_cache_miss_milliseconds",
      "modelmesh_loadmodel_milliseconds",
      "modelmesh_unloadmodel_milliseconds",
      "modelmesh_req_queue_delay_milliseconds",
      "modelmesh_loading_queue_delay_milliseconds",
      "modelmesh_model_sizing_milliseconds",
      "modelmesh_age_at_eviction_milliseconds",
      "modelmesh_loaded_model_size_bytes",
      "modelmesh_cold_start_overhead_milliseconds",
    ]) {
      expect(types.get(name), name).toBe("histogram");
    }
    for (const name of [
      "modelmesh_instance_lru_seconds",
      "modelmesh_instance_lru_age_seconds",
      "modelmesh_instance_capacity_bytes",
      "modelmesh_instance_used_bytes",
      "modelmesh_instance_used_bps",
      "modelmesh_instance_models_total",
    ]) {
      expect(types.get(name), name).toBe("gauge");
    }
    // The StatsD-only counts are not registered in Prometheus.
    for (const name of ["modelmesh_invoke_model", "modelmesh_api_request", "modelmesh_loadmodel"]) {
      expect(types.has(name), name).toBe(false);
    }
  });

  it("uses the original's buckets", () => {
    const bounds = (name: string, labels: Record<string, string>) => {
      const rest = sample(`${name}_bucket`, labels).slice(`${name}_bucket{`.length);
      return [...afterPredicts.samples.keys()]
        .filter((k) => k.startsWith(`${name}_bucket{le=`) && k.endsWith(`,${rest}`))
        .map((k) => /le="([^"]+)"/.exec(k)?.[1]);
    };
    expect(bounds("modelmesh_api_request_milliseconds", predictLabels("myModel"))).toEqual(
      "0.5 1 2 5 10 20 50 75 100 200 500 1000 2000 5000 10000 20000 60000 120000 300000 +Inf".split(" "),
    );
    expect(bounds("modelmesh_request_size_bytes", predictLabels("myModel"))).toEqual(
      [128, 512, 2048, 8192, 32768, 131072, 524288, 2097152].map(String).concat("+Inf"),
    );
    expect(bounds("modelmesh_loaded_model_size_bytes", modelLabels("myModel"))).toEqual(
      [262144, 1048576, 4194304, 16777216, 67108864, 268435456, 1073741824, 4294967296]
        .map(String)
        .concat("+Inf"),
    );
  });

  it("records a miss, a load failure, an eviction and unloads with the counts they imply", async () => {
    // A call naming a model that does not exist: counted without its made-up id.
    await expectCode(
      mesh.predictor.predict({ text: "?" }, { headers: modelHeader("no-such-model") }),
      Code.NotFound,
    );
    // A miss: `missModel` loads on its first call.
    await mesh.management.registerModel({
      modelId: "missModel",
      modelInfo: { type: "ExampleType", path: model100 },
    });
    await mesh.predictor.predict({ text: "cold" }, { headers: modelHeader("missModel") });
    // A third model fits; a fourth evicts the least recently used: myModel.
    for (const id of ["third", "fourth"]) {
      const status = await mesh.management.registerModel({
        modelId: id,
        modelInfo: { type: "ExampleType", path: model100 },
        loadNow: true,
        sync: true,
      });
      expect(Status[status.status], id).toBe("LOADED");
    }
    // Models registered with loadNow count as last used an hour ago: the newest such copy,
    // `third`, is the least recently used and goes.
    await waitUntil(
      async () =>
        Status[(await mesh.management.getModelStatus({ modelId: "third" })).status] === "NOT_LOADED",
      {
        timeoutMs: 10_000,
        intervalMs: 100,
        description: "third evicted",
      },
    );
    // A load failure.
    const failed = await mesh.management.registerModel({
      modelId: "failing",
      modelInfo: { type: "ExampleType", path: "FAIL_simulated" },
      loadNow: true,
      sync: true,
    });
    expect(Status[failed.status]).toBe("LOADING_FAILED");
    // An explicit unload.
    await mesh.management.unregisterModel({ modelId: "fourth" });

    // Unloads finish in the background (after the unload delays): wait for both.
    let s = await get();
    await waitUntil(
      async () => {
        s = await get();
        return value(s, "modelmesh_unloadmodel_milliseconds_count", modelLabels("fourth")) === 1;
      },
      { timeoutMs: 15_000, intervalMs: 200, description: "both unloads recorded" },
    );
    expect(value(s, "modelmesh_unloadmodel_milliseconds_count", modelLabels("third"))).toBe(1);
    expect(value(s, "modelmesh_cache_miss_milliseconds_count", modelLabels("missModel"))).toBe(1);
    expect(value(s, "modelmesh_cold_start_overhead_milliseconds_count", modelLabels("missModel"))).toBe(1);
    expect(value(s, "modelmesh_cache_hit", modelLabels("missModel"))).toBeUndefined();
    for (const id of ["myModel", "missModel", "third", "fourth"]) {
      expect(value(s, "modelmesh_loadmodel_milliseconds_count", modelLabels(id)), id).toBe(1);
      expect(value(s, "modelmesh_loading_queue_delay_milliseconds_count", modelLabels(id)), id).toBe(1);
      expect(value(s, "modelmesh_loaded_model_size_bytes_count", modelLabels(id)), id).toBe(1);
    }
    expect(value(s, "modelmesh_loadmodel_failure")).toBe(1);
    const notFound = { method: "predict", code: "NOT_FOUND", modelId: "", vModelId: "" };
    expect(value(s, "modelmesh_api_request_milliseconds_count", notFound)).toBe(1);
    expect(s.text).not.toContain("no-such-model");
    expect(value(s, "modelmesh_age_at_eviction_milliseconds_count", modelLabels("third"))).toBe(1);
    // Its last use counts as an hour ago: in the 4 h bucket, not the 1 h one.
    expect(value(s, "modelmesh_age_at_eviction_milliseconds_bucket", modelLabels("third", "3600000"))).toBe(
      0,
    );
    expect(value(s, "modelmesh_age_at_eviction_milliseconds_bucket", modelLabels("third", "14400000"))).toBe(
      1,
    );
    expect(value(s, "modelmesh_unloadmodel_failure")).toBe(0);
    expect(value(s, "modelmesh_unloadmodel_attempt_failure")).toBe(0);
    // No concurrency limit from the runtime: nothing waited for a permit.
    expect(s.text).toContain("# TYPE modelmesh_req_queue_delay_milliseconds histogram");

    // Instance gauges: myModel and missModel loaded (200 MiB) plus the failed entry's 8 KiB, of
    // 385 MiB (400 MiB less the 15 MiB unload buffer).
    await waitUntil(
      async () => {
        s = await get();
        return value(s, "modelmesh_instance_models_total") === 3;
      },
      { timeoutMs: 10_000, intervalMs: 100, description: "instance gauges updated" },
    );
    expect(value(s, "modelmesh_instance_capacity_bytes")).toBe(385 * MiB);
    expect(value(s, "modelmesh_instance_used_bytes")).toBe(200 * MiB + 8192);
    expect(value(s, "modelmesh_instance_used_bps")).toBe(
      Math.floor(((200 * MiB + 8192) / (385 * MiB)) * 10_000),
    );
    const nowS = Date.now() / 1000;
    // The least recently used entry (the failed one, registered with loadNow) counts as used an
    // hour ago; its time plus its age is now.
    const lruS = value(s, "modelmesh_instance_lru_seconds") ?? 0;
    const ageS = value(s, "modelmesh_instance_lru_age_seconds") ?? -1;
    expect(ageS).toBeGreaterThanOrEqual(3599);
    expect(ageS).toBeLessThanOrEqual(3700);
    expect(Math.abs(lruS + ageS - nowS)).toBeLessThan(5);

    // Leader gauges (the single instance leads): registry of 4 (fourth is gone), 2 with a copy
    // (myModel, missModel), 1 with a failure.
    await waitUntil(
      async () => {
        s = await get();
        return (
          value(s, "modelmesh_models_managed_total") === 4 && value(s, "modelmesh_models_loaded_total") === 2
        );
      },
      { timeoutMs: 10_000, intervalMs: 100, description: "leader gauges" },
    );
    expect(value(s, "modelmesh_models_with_failure_total")).toBe(1);
  }, 60_000);
});
