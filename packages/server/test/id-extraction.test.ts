import { create, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { PredictRequestSchema } from "@modelmesh/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MeshHarness, modelHeaders, startMesh } from "./mesh-harness.js";
import { frame, rawGrpcCall } from "./raw-grpc.js";

describe("model ids from the request body (MM_DATAPLANE_CONFIG)", () => {
  let h: MeshHarness;
  beforeAll(async () => {
    h = await startMesh({
      // Only predict is configured; other methods are refused.
      dataplane: {
        rpcConfigs: { "mmesh.ExamplePredictor/predict": { idExtractionPath: [1], vModelId: false } },
        allowOtherRpcs: false,
      },
    });
    for (const id of ["body-1", "header-1"]) {
      await h.management.registerModel({ modelId: id, modelInfo: { type: "example", path: "sentiment" } });
    }
  });
  afterAll(async () => {
    await h?.close();
  });

  it("routes by the id in the body, without a header", async () => {
    const answer = await h.predictor.predict({ modelName: "body-1", text: "great" });
    expect(answer.results[1]?.category).toBe("body-1");
  });

  it("prefers the body's id over the header, and falls back to the header", async () => {
    const preferred = await h.predictor.predict(
      { modelName: "body-1", text: "x" },
      { headers: modelHeaders("header-1") },
    );
    expect(preferred.results[1]?.category).toBe("body-1");
    const fallback = await h.predictor.predict({ text: "x" }, { headers: modelHeaders("header-1") });
    expect(fallback.results[1]?.category).toBe("header-1");
  });

  it("refuses methods the config does not list", async () => {
    const answer = await rawGrpcCall({
      port: h.port,
      path: "/mmesh.ExamplePredictor/multiPredict",
      headers: modelHeaders("body-1"),
      body: [frame(toBinary(PredictRequestSchema, create(PredictRequestSchema, { text: "x" })))],
    });
    expect(answer).toMatchObject({ status: Code.Unimplemented, message: "" });
  });
});
