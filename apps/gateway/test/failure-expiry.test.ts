import { Code } from "@connectrpc/connect";
import { modelHeader, startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectCode, Status } from "./support.js";

// ModelMeshFailureExpiryTest: failures expire after 2 s (MM_LOAD_FAILURE_EXPIRY_TIME_MS) with the
// janitor running every second. The example runtime fails only the first load of a FAIL_ model,
// so once the failure expires, traffic loads it successfully.
describe("ModelMeshFailureExpiryTest", () => {
  let mesh: TestMesh;
  beforeAll(async () => {
    mesh = await startMesh({
      env: { MM_JANITOR_INTERVAL_MS: "1000", MM_LOAD_FAILURE_EXPIRY_TIME_MS: "2000" },
    });
  });
  afterAll(async () => {
    expect(await mesh.stop()).toBe(0);
    await stopAllProcesses();
  });

  it("failureExpiryTest: a failed model keeps failing until the failure expires, then loads", async () => {
    const modelId = "myFailExpireModel";
    const errorMessage = "load should fail with this error";
    const registered = await mesh.management.registerModel({
      modelId,
      modelInfo: { type: "ExampleType", path: `FAIL_${errorMessage}` },
      loadNow: true,
      sync: true,
    });
    expect(Status[registered.status]).toBe("LOADING_FAILED");

    const predict = () => mesh.predictor.predict({ text: "predict me!" }, { headers: modelHeader(modelId) });
    // Before expiry the recorded failure is answered without a new load (a new load would succeed).
    const failed = await expectCode(predict(), Code.Internal);
    expect(failed.rawMessage.endsWith(errorMessage), failed.rawMessage).toBe(true);
    const stillFailed = await expectCode(predict(), Code.Internal);
    expect(stillFailed.rawMessage.endsWith(errorMessage), stillFailed.rawMessage).toBe(true);
    expect(mesh.runtime?.events("load-started").filter((e) => e.modelId === modelId)).toHaveLength(1);

    // Continuous traffic, as the original's background loop: it succeeds once the failure expired.
    const response = await waitUntil(() => predict(), {
      timeoutMs: 30_000,
      intervalMs: 400,
      description: "predict to succeed after the failure expired",
    });
    expect(response.results[0]?.confidence).toBe(1);
    expect(response.results[0]?.category).toBe(`classification for predict me! by model ${modelId}`);
    await mesh.management.unregisterModel({ modelId });
  });
});
