import { startCluster, type TestCluster } from "@modelmesh/testkit/cluster";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ClusterStore,
  connectClusterStore,
  expectServedEverywhere,
  registerLoaded,
} from "./cluster-support.js";

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
      await registerLoaded(mesh, modelId);
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
    await expectServedEverywhere(survivors, models, "still here");
  }, 180_000);
});
