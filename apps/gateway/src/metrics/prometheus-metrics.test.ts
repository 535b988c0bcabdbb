import { describe, expect, it } from "vitest";
import { createPrometheusMetrics } from "./prometheus-metrics.js";

const call = {
  method: "mmesh.ExamplePredictor/predict",
  code: "OK",
  elapsedMs: 3,
  requestBytes: 100,
  responseBytes: -1,
  modelId: "m1",
  vModelId: "v1",
};

describe("createPrometheusMetrics()", () => {
  it("exports the leader gauges only between clusterStats() and clusterStats(undefined)", async () => {
    const metrics = createPrometheusMetrics({
      fqNames: false,
      perModelMetrics: false,
      defaultMetrics: false,
    });
    expect(await metrics.exposition()).not.toContain("modelmesh_models_managed_total");
    metrics.clusterStats({ modelsLoaded: 2, modelsWithFailure: 1, modelsManaged: 5 });
    const text = await metrics.exposition();
    expect(text).toContain("modelmesh_models_loaded_total 2\n");
    expect(text).toContain("modelmesh_models_with_failure_total 1\n");
    expect(text).toContain("modelmesh_models_managed_total 5\n");
    metrics.clusterStats(undefined);
    expect(await metrics.exposition()).not.toContain("modelmesh_models_");
  });

  it("labels request metrics with the short method and, per model, the model and vmodel", async () => {
    const metrics = createPrometheusMetrics({ fqNames: false, perModelMetrics: true, defaultMetrics: false });
    metrics.apiRequest(call);
    metrics.apiRequest(call);
    metrics.cacheMiss("m1", 7);
    const text = await metrics.exposition();
    expect(text).toContain(
      'modelmesh_api_request_milliseconds_count{method="predict",code="OK",modelId="m1",vModelId="v1"} 2',
    );
    expect(text).toContain(
      'modelmesh_request_size_bytes_count{method="predict",code="OK",modelId="m1",vModelId="v1"} 2',
    );
    // No response size when unknown.
    expect(text).not.toContain("modelmesh_response_size_bytes_count{");
    expect(text).toContain('modelmesh_cache_miss_milliseconds_count{modelId="m1",vModelId=""} 1');
  });

  it("keeps the full method name with fq_names", async () => {
    const metrics = createPrometheusMetrics({ fqNames: true, perModelMetrics: false, defaultMetrics: false });
    metrics.invokeModel(call);
    expect(await metrics.exposition()).toContain(
      'modelmesh_invoke_model_milliseconds_count{method="mmesh.ExamplePredictor/predict",code="OK"} 1',
    );
  });
});
