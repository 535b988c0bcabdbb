import { Code } from "@connectrpc/connect";
import { noExtraFields, vmodelRecordCodec } from "@modelmesh/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failure, type MeshHarness, startMesh } from "./mesh-harness.js";

// Calls by vmodel whose model is missing: the mesh reads the vmodel from the store once more and
// retries with its target; when that is missing too, INTERNAL names both.
describe("calls by vmodel: resolution when the model is gone", () => {
  let h: MeshHarness;
  const vmodels = () => h.store.table("vmodels", vmodelRecordCodec);
  const call = (vModelId: string) =>
    h.predictor.predict({ text: "x" }, { headers: { "mm-vmodel-id": vModelId }, timeoutMs: 20_000 });
  beforeAll(async () => {
    h = await startMesh();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("answers INTERNAL naming the model and the vmodel when neither its active nor its target model exists", async () => {
    await vmodels().create("vr-gone", {
      activeModelId: "vr-missing",
      targetModelId: "vr-missing",
      targetFailed: false,
      extra: noExtraFields,
    });
    const refused = await failure(call("vr-gone"));
    expect(refused.code).toBe(Code.Internal);
    expect(refused.rawMessage).toBe("Target model vr-missing of vmodel vr-gone not found");
  });

  it("serves the target when the active model is missing", async () => {
    await h.management.registerModel({
      modelId: "vr-target",
      modelInfo: { type: "example", path: "sentiment" },
    });
    await vmodels().create("vr-moving", {
      activeModelId: "vr-absent",
      targetModelId: "vr-target",
      targetFailed: false,
      extra: noExtraFields,
    });
    const answer = await call("vr-moving");
    expect(answer.results.length).toBeGreaterThan(0);
    // The leader completes the transition at once (the active model has no copy).
    const status = await h.management.getVModelStatus({ vModelId: "vr-moving" });
    expect(status.targetModelId).toBe("vr-target");
  });

  it("answers NOT_FOUND for a vmodel that does not exist", async () => {
    const refused = await failure(call("vr-never"));
    expect(refused.code).toBe(Code.NotFound);
    expect(refused.rawMessage).toBe("vmodel not found");
  });
});
