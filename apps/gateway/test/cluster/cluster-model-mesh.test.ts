import { MAX_LOAD_FAILURES } from "@modelmesh/core";
import { startCluster, type TestCluster } from "@modelmesh/testkit/cluster";
import { modelHeader } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MiB, Status, sizedModel, statusOf } from "../support.js";
import { type ClusterStore, connectClusterStore, instanceAt, registerLoaded } from "./cluster-support.js";

// ModelMeshTest in a five-instance cluster: the instance records every instance publishes
// follow a load and a delete, and every instance registers, reports and serves every model. Also
// ModelMeshLoadFailureTest's five-instance case: loads stop after MAX_LOAD_FAILURES failures.
describe("ModelMeshTest (5-instance cluster)", () => {
  let cluster: TestCluster;
  let store: ClusterStore;
  beforeAll(async () => {
    cluster = await startCluster({ size: 5 });
    store = await connectClusterStore(cluster);
  }, 420_000);
  afterAll(async () => {
    await store?.close();
    await cluster?.stop();
    await stopAllProcesses();
  }, 90_000);

  const records = async () => {
    const out = [];
    for (const mesh of cluster.instances) {
      const record = await store.instance(mesh.instanceId);
      if (record === undefined) throw new Error(`no instance record for ${mesh.instanceId}`);
      out.push({ id: mesh.instanceId, ...record });
    }
    return out;
  };

  it("testLoadDestroyCluster: instance records follow a load and a delete", async () => {
    for (const record of await records()) {
      expect(record, record.id).toMatchObject({
        count: 0,
        usedUnits: 0,
        loadsInProgress: 0,
        shutdown: false,
      });
      expect(record.capacityUnits).toBeGreaterThan(0);
      expect(record.location).toBe("127.0.0.1");
    }

    const modelId = "mmt-load-destroy";
    expect(await store.model(modelId)).toBeUndefined();
    await registerLoaded(instanceAt(cluster, 0), modelId, sizedModel(4 * MiB, 0, 0));
    const holders = await store.holders(modelId);
    expect(holders).toHaveLength(1);
    const holder = holders[0] ?? "";

    const loaded = await waitUntil(
      async () => {
        const all = await records();
        return all.find((r) => r.id === holder && r.count > 0 && r.usedUnits > 0) ? all : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200, description: "the holder's record showing the copy" },
    );
    for (const record of loaded) {
      expect(record.count, record.id).toBeLessThanOrEqual(1);
      expect(record.usedUnits, record.id).toBeLessThanOrEqual(record.capacityUnits);
      if (record.id === holder) expect(record.usedUnits).toBeGreaterThan(0);
      else expect(record, record.id).toMatchObject({ count: 0, usedUnits: 0 });
    }

    await instanceAt(cluster, 4).management.unregisterModel({ modelId });
    await waitUntil(async () => (await store.model(modelId)) === undefined, {
      timeoutMs: 10_000,
      description: "registry entry removed",
    });
    await waitUntil(
      async () =>
        (await records()).every((r) => r.count === 0 && r.usedUnits === 0 && r.loadsInProgress === 0),
      { timeoutMs: 20_000, intervalMs: 200, description: "every instance record back to empty" },
    );
  }, 120_000);

  it("registers through every instance and serves every model through every instance", async () => {
    const models = cluster.instances.map((_, i) => `mmt-model-${i}`);
    for (const [i, modelId] of models.entries()) {
      await registerLoaded(instanceAt(cluster, i), modelId);
    }
    for (const mesh of cluster.instances) {
      for (const modelId of models) {
        const response = await mesh.predictor.predict(
          { text: "five" },
          { headers: modelHeader(modelId), timeoutMs: 30_000 },
        );
        expect(response.results[0]?.category, `${modelId} via ${mesh.instanceId}`).toBe(
          `classification for five by model ${modelId}`,
        );
        expect(Status[await statusOf(mesh, modelId)], `${modelId} via ${mesh.instanceId}`).toBe("LOADED");
      }
    }
    for (const modelId of models) expect(await store.holders(modelId), modelId).not.toHaveLength(0);
  }, 180_000);

  it("testLoadFailureCluster: failing everywhere stops after MAX_LOAD_FAILURES records", async () => {
    const modelId = "mmt-fails-everywhere";
    const ingress = instanceAt(cluster, 2);
    await ingress.management.registerModel({
      modelId,
      modelInfo: { type: "DUMMY", path: "FAIL_five-instance failure" },
      loadNow: true,
    });
    await waitUntil(
      async () => Status[(await ingress.management.ensureLoaded({ modelId })).status] === "LOADING_FAILED",
      { timeoutMs: 60_000, intervalMs: 300, description: "LOADING_FAILED" },
    );
    const failures = await waitUntil(
      async () => {
        const ids = await store.failedIn(modelId);
        return ids.length >= MAX_LOAD_FAILURES ? ids : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, description: `${MAX_LOAD_FAILURES} failure records` },
    );
    // As the original: MAX_LOAD_FAILURES, or one more when a retry was already under way.
    expect(failures.length).toBeGreaterThanOrEqual(MAX_LOAD_FAILURES);
    expect(failures.length).toBeLessThanOrEqual(MAX_LOAD_FAILURES + 1);
    expect(await store.holders(modelId)).toEqual([]);
  }, 120_000);
});
