import { createMeshStore, createStoreLayout, type MeshStore, modelRecordCodec } from "@modelmesh/core";
import { connectEtcdStore } from "@modelmesh/store-etcd";
import { startCluster, type TestCluster } from "@modelmesh/testkit/cluster";
import { modelHeader, TEST_SERVICE_NAME } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MiB, Status, sizedModel } from "../support.js";

// Graceful shutdown: SIGTERM to the holder of the models moves every model to the other
// instances, the instance exits cleanly, and the others serve every model afterwards.
// (Calls forwarded to the stopping instance during its drain are not asserted: see the known
// gap in docs/cluster.md.)
describe("ModelMeshClusterGracefulStopTest", () => {
  let cluster: TestCluster;
  let store: MeshStore;
  const models = ["gs-model-0", "gs-model-1", "gs-model-2"];
  beforeAll(async () => {
    cluster = await startCluster({ size: 3 });
    const kv = await connectEtcdStore({
      connection: { endpoints: [cluster.etcd.hostPort], rootPrefix: "" },
    });
    store = createMeshStore({ kv, layout: createStoreLayout({ serviceName: TEST_SERVICE_NAME }) });
  }, 180_000);
  afterAll(async () => {
    await store?.close();
    await cluster?.stop();
    await stopAllProcesses();
  }, 60_000);

  const holders = async (modelId: string) =>
    Object.keys((await store.table("registry", modelRecordCodec).get(modelId))?.value.instanceIds ?? {});

  it("SIGTERM of the holder: models move to the others and stay servable", async () => {
    const [first] = cluster.instances;
    if (first === undefined) throw new Error("no instances");
    for (const modelId of models) {
      const status = await first.management.registerModel({
        modelId,
        modelInfo: { type: "DUMMY", path: sizedModel(MiB, 0, 0) },
        loadNow: true,
        sync: true,
      });
      expect(Status[status.status]).toBe("LOADED");
    }
    const holderId = await waitUntil(async () => (await holders(models[0] ?? ""))[0], {
      timeoutMs: 20_000,
      description: "a holder of the first model in the registry",
    });
    const victim = cluster.instances.findIndex((mesh) => mesh.instanceId === holderId);
    expect(victim).toBeGreaterThanOrEqual(0);
    const others = cluster.instances.filter((_, i) => i !== victim);

    expect(await cluster.kill(victim, "SIGTERM")).toBe(0);
    await waitUntil(
      async () => {
        for (const modelId of models) {
          const ids = await holders(modelId);
          if (ids.length === 0 || ids.includes(holderId)) return false;
        }
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 200, description: "every model held only by surviving instances" },
    );
    for (const mesh of others) {
      for (const modelId of models) {
        const response = await mesh.predictor.predict(
          { text: "steady" },
          { headers: modelHeader(modelId), timeoutMs: 20_000 },
        );
        expect(response.results[0]?.category).toBe(`classification for steady by model ${modelId}`);
      }
    }
  }, 180_000);
});
