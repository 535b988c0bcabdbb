import { startCluster, type TestCluster } from "@modelmesh/testkit/cluster";
import { modelHeader } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MiB, Status, statusOf } from "../support.js";
import { type ClusterStore, connectClusterStore, registerLoaded } from "./cluster-support.js";

// ModelMeshClusterTest (lite): three instances on one etcd; models registered through one are
// served through every one, forwarding across the internal peer port when needed.
describe("ModelMeshClusterTest-lite", () => {
  let cluster: TestCluster;
  let store: ClusterStore;
  const models = ["cl-model-0", "cl-model-1", "cl-model-2", "cl-model-3"];
  beforeAll(async () => {
    cluster = await startCluster({ size: 3 });
    store = await connectClusterStore(cluster);
  }, 180_000);
  afterAll(async () => {
    await store?.close();
    await cluster?.stop();
    await stopAllProcesses();
  }, 60_000);

  it("serves models registered through one instance through every instance", async () => {
    const [first] = cluster.instances;
    if (first === undefined) throw new Error("no instances");
    for (const modelId of models) {
      await registerLoaded(first, modelId);
    }
    for (const mesh of cluster.instances) {
      for (const modelId of models) {
        const response = await mesh.predictor.predict(
          { text: "hello cluster" },
          { headers: modelHeader(modelId), timeoutMs: 30_000 },
        );
        expect(response.results[0]?.category, `via ${mesh.instanceId}`).toBe(
          `classification for hello cluster by model ${modelId}`,
        );
      }
    }
    for (const mesh of cluster.instances) {
      for (const modelId of models) {
        const status = await waitUntil(
          async () => ((await statusOf(mesh, modelId)) === Status.LOADED ? Status.LOADED : undefined),
          { timeoutMs: 20_000, intervalMs: 200, description: `${modelId} LOADED via ${mesh.instanceId}` },
        );
        expect(Status[status]).toBe("LOADED");
      }
    }
  }, 120_000);

  it("forwards a ~2 MB payload across instances", async () => {
    const modelId = "cl-big-payload";
    const [first] = cluster.instances;
    if (first === undefined) throw new Error("no instances");
    await registerLoaded(first, modelId);
    const holders = await store.holders(modelId);
    const ingresses = cluster.instances.filter((mesh) => !holders.includes(mesh.instanceId));
    // One copy: the calls through the two other instances are forwarded to its holder.
    expect(holders).toHaveLength(1);
    expect(ingresses).toHaveLength(2);
    const text = "x".repeat(2 * MiB);
    for (const mesh of ingresses) {
      const response = await mesh.predictor.predict(
        { text },
        { headers: modelHeader(modelId), timeoutMs: 30_000 },
      );
      const category = response.results[0]?.category ?? "";
      expect(category.length, `via ${mesh.instanceId}`).toBeGreaterThan(2 * MiB);
      expect(category.endsWith(` by model ${modelId}`), `via ${mesh.instanceId}`).toBe(true);
    }
  }, 120_000);
});
