import { Code } from "@connectrpc/connect";
import { modelRecordCodec } from "@modelmesh/core";
import { ModelStatusInfo_ModelStatus as Status } from "@modelmesh/proto";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failure, type MeshHarness, modelHeaders, startMesh } from "./mesh-harness.js";

describe("load failures and their expiry", () => {
  let h: MeshHarness;
  beforeAll(async () => {
    // As the original's ModelMeshFailureExpiryTest: 2 s expiry, 1 s janitor.
    h = await startMesh({ timings: { loadFailureExpiryMs: 2000, janitorIntervalMs: 1000 } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("fails inference with the runtime's message, records it, then loads again after expiry", async () => {
    await h.management.registerModel({
      modelId: "fail-1",
      modelInfo: { type: "example", path: "FAIL_no such weights" },
    });
    const first = await failure(h.predictor.predict({ text: "x" }, { headers: modelHeaders("fail-1") }));
    expect(first.code).toBe(Code.Internal);
    expect(first.rawMessage).toMatch(/no such weights$/);

    const stored = await h.store.table("registry", modelRecordCodec).get("fail-1");
    expect(stored?.value.failedIn["test-instance"]).toBeGreaterThan(0);
    expect(stored?.value.failureMessages["test-instance"]).toMatch(/no such weights$/);
    expect(stored?.value.instanceIds).toEqual({});

    // While the failure is recent, requests fail fast without a new load.
    const again = await failure(h.predictor.predict({ text: "x" }, { headers: modelHeaders("fail-1") }));
    expect(again.rawMessage).toMatch(/no such weights$/);
    expect(h.runtime.events("load-started").filter((e) => e.modelId === "fail-1")).toHaveLength(1);
    const status = await h.management.getModelStatus({ modelId: "fail-1" });
    expect(status.status).toBe(Status.LOADING_FAILED);
    expect(status.errors[0]).toMatch(/no such weights$/);

    // The janitor expires the failure; the example runtime's FAIL_ model loads the second time.
    await waitUntil(
      async () => {
        const record = await h.store.table("registry", modelRecordCodec).get("fail-1");
        return record !== undefined && record.value.failedIn["test-instance"] === undefined;
      },
      { timeoutMs: 20_000, description: "failure record expired" },
    );
    const answer = await h.predictor.predict({ text: "x" }, { headers: modelHeaders("fail-1") });
    expect(answer.results[1]?.category).toBe("fail-1");
  });
});

for (const [name, env] of [
  ["Triton", { TRITON_NOT_FOUND_BEHAVIOUR: "true" }],
  ["MLServer", { MLSERVER_NOT_FOUND_BEHAVIOUR: "true" }],
] as const) {
  describe(`a runtime answering not-found the ${name} way`, () => {
    let h: MeshHarness;
    beforeAll(async () => {
      h = await startMesh({ runtimeEnv: env });
    });
    afterAll(async () => {
      await h?.close();
    });

    it("is reloaded transparently", async () => {
      await h.management.registerModel({ modelId: "m1", modelInfo: { type: "example", path: "sentiment" } });
      await h.predictor.predict({ text: "ok" }, { headers: modelHeaders("m1") });
      await h.predictor.predict({ text: "test:purge-models" }, { headers: modelHeaders("m1") });
      const answer = await h.predictor.predict({ text: "ok" }, { headers: modelHeaders("m1") });
      expect(answer.results[1]?.category).toBe("m1");
      expect(h.runtime.events("load-started").filter((e) => e.modelId === "m1")).toHaveLength(2);
    });
  });
}

describe("load timeout", () => {
  let h: MeshHarness;
  beforeAll(async () => {
    h = await startMesh({ runtimeArgs: ["--load-timeout-ms", "300"] });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("fails a load that outlasts the runtime's loading timeout and cancels it", async () => {
    await h.management.registerModel({
      modelId: "slow-load",
      modelInfo: { type: "example", path: "SIZE_1000000_5000_0" },
    });
    const refused = await failure(h.predictor.predict({ text: "x" }, { headers: modelHeaders("slow-load") }));
    expect(refused.code).toBe(Code.Internal);
    expect(refused.rawMessage).toBe("Load of model slow-load timed out after 0.3s");
    await h.runtime.waitForEvent("load-cancelled", (e) => e.modelId === "slow-load", 10_000);
    const status = await h.management.getModelStatus({ modelId: "slow-load" });
    expect(status.status).toBe(Status.LOADING_FAILED);
  });
});
