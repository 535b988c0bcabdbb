import { startCluster, type TestCluster } from "@modelmesh/testkit/cluster";
import { modelHeader } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MiB, Status, sizedModel } from "../support.js";
import { type ClusterStore, connectClusterStore } from "./cluster-support.js";

// ModelMeshTearDownTest: `kill -9` of the instance holding models; once its lease expires every
// model is still servable through the remaining instances.
describe("ModelMeshTearDownTest", () => {
  let cluster: TestCluster;
  let store: ClusterStore;
  const models = Array.from({ length: 6 }, (_, i) => `td-model-${i}`);
  beforeAll(async () => {
    cluster = await startCluster({ size: 3 });
    store = await connectClusterStore(cluster);
  }, 180_000);
  afterAll(async () => {
    await store?.close();
    await cluster?.stop();
    await stopAllProcesses();
  }, 60_000);

  const holders = (modelId: string) => store.holders(modelId);

  it("all models stay servable after the holder of some is killed", async () => {
    // Register through different instances, so copies land on more than one of them.
    for (const [i, modelId] of models.entries()) {
      const mesh = cluster.instances[i % cluster.instances.length];
      if (mesh === undefined) throw new Error("no instance");
      const status = await mesh.management.registerModel({
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
    expect(victim, `holder ${holderId} is one of the instances`).toBeGreaterThanOrEqual(0);
    const held: string[] = [];
    for (const modelId of models) if ((await holders(modelId)).includes(holderId)) held.push(modelId);
    expect(held.length).toBeGreaterThan(0);

    await cluster.kill(victim, "SIGKILL");
    await waitUntil(async () => !(await cluster.registeredInstances()).includes(holderId), {
      timeoutMs: 30_000,
      intervalMs: 200,
      description: "the killed instance's record expires",
    });

    const survivors = cluster.instances.filter((_, i) => i !== victim);
    for (const mesh of survivors) {
      for (const modelId of models) {
        const response = await waitUntil(
          () =>
            mesh.predictor
              .predict({ text: "still here" }, { headers: modelHeader(modelId), timeoutMs: 20_000 })
              .catch(() => undefined),
          { timeoutMs: 60_000, intervalMs: 250, description: `${modelId} via ${mesh.instanceId}` },
        );
        expect(response.results[0]?.category).toBe(`classification for still here by model ${modelId}`);
      }
    }
  }, 180_000);
});
