import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code } from "@connectrpc/connect";
import { MAX_LOAD_FAILURES } from "@modelmesh/core";
import { startCluster, type TestCluster } from "@modelmesh/testkit/cluster";
import { modelHeader, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectCode, Status } from "../support.js";
import { type ClusterStore, connectClusterStore, instanceAt } from "./cluster-support.js";

/** Polls ensureLoaded through `mesh` (as the original test does) until the model's status is `wanted`. */
async function ensureUntil(mesh: TestMesh, modelId: string, wanted: keyof typeof Status) {
  return waitUntil(
    async () => {
      const info = await mesh.management.ensureLoaded({ modelId });
      return Status[info.status] === wanted ? info : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 300, description: `${modelId} ${wanted}` },
  );
}

// ModelMeshLoadFailureTest, cluster parts: three instances. Instance 0 has the example runtime's
// shipped models; the runtimes of instances 1 and 2 read models from an empty folder, so every
// load of a model file fails there (as the original forced failures on chosen instances).
describe("ModelMeshLoadFailureTest (cluster)", () => {
  let cluster: TestCluster;
  let store: ClusterStore;
  const emptyModelsDir = mkdtempSync(join(tmpdir(), "mm-no-models-"));
  beforeAll(async () => {
    cluster = await startCluster({
      size: 3,
      perInstance: (i) => (i === 0 ? {} : { runtimeArgs: { args: ["--models-dir", emptyModelsDir] } }),
    });
    store = await connectClusterStore(cluster);
  }, 300_000);
  afterAll(async () => {
    await store?.close();
    await cluster?.stop();
    await stopAllProcesses();
    rmSync(emptyModelsDir, { recursive: true, force: true });
  }, 60_000);

  it("testLoadFailureCluster: failing everywhere ends LOADING_FAILED with a failure per instance", async () => {
    // FAIL_<msg>: the first load of the id fails on every runtime, healthy or not.
    const modelId = "lf-fails-everywhere";
    const message = "forced failure on every instance";
    const ingress = instanceAt(cluster, 0);
    await ingress.management.registerModel({
      modelId,
      modelInfo: { type: "DUMMY", path: `FAIL_${message}` },
      loadNow: true,
    });
    const failed = await ensureUntil(ingress, modelId, "LOADING_FAILED");
    expect(failed.errors.length).toBeGreaterThan(0);
    for (const error of failed.errors) expect(error.endsWith(message), error).toBe(true);

    // Each instance tried once (retry elsewhere after a failure), then loads stopped:
    // min(#instances, MAX_LOAD_FAILURES) failure records and no copy.
    const expected = Math.min(cluster.instances.length, MAX_LOAD_FAILURES);
    const failedIn = await waitUntil(
      async () => {
        const ids = await store.failedIn(modelId);
        return ids.length >= expected ? ids : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, description: `${expected} failure records` },
    );
    expect(failedIn.sort()).toEqual(cluster.instances.map((m) => m.instanceId).sort());
    expect(await store.holders(modelId)).toEqual([]);

    // Inference fails fast with the load failure through every instance, without new attempts.
    for (const mesh of cluster.instances) {
      const error = await expectCode(
        mesh.predictor.predict({ text: "x" }, { headers: modelHeader(modelId), timeoutMs: 30_000 }),
        Code.Internal,
      );
      expect(error.rawMessage.endsWith(message), error.rawMessage).toBe(true);
      expect(Status[(await mesh.management.getModelStatus({ modelId })).status]).toBe("LOADING_FAILED");
    }
    expect((await store.failedIn(modelId)).length).toBe(expected);
    expect(await store.holders(modelId)).toEqual([]);

    await ingress.management.unregisterModel({ modelId });
    await waitUntil(async () => (await store.model(modelId)) === undefined, {
      timeoutMs: 10_000,
      description: "record deleted",
    });
  }, 180_000);

  it("testLoadFailureRecovery: with one healthy instance of three every model still loads", async () => {
    const healthy = instanceAt(cluster, 0).instanceId;
    const models = Array.from({ length: 5 }, (_, i) => `lf-recover-${i}`);
    for (const [i, modelId] of models.entries()) {
      const ingress = instanceAt(cluster, i % cluster.instances.length);
      // A balanced source loads on itself when it is among the best candidates (§3.3): the
      // models registered through a broken instance fail there first, for certain.
      await ingress.management.registerModel(
        { modelId, modelInfo: { type: "DUMMY", path: "sentiment" }, loadNow: true },
        { headers: { "mm-balanced": "true" } },
      );
      await ensureUntil(ingress, modelId, "LOADED");
      if (ingress.instanceId !== healthy) expect(await store.failedIn(modelId)).toContain(ingress.instanceId);
    }
    for (const modelId of models) {
      // Loaded only where it can be; failures (if placement tried a broken instance first) only
      // on the broken ones.
      expect(await store.holders(modelId), modelId).toEqual([healthy]);
      expect(await store.failedIn(modelId), modelId).not.toContain(healthy);
      for (const mesh of cluster.instances) {
        const response = await mesh.predictor.predict(
          { text: "I love it" },
          { headers: modelHeader(modelId), timeoutMs: 30_000 },
        );
        expect(response.results[0]?.category, `${modelId} via ${mesh.instanceId}`).toBe("positive");
      }
    }
  }, 180_000);
});
