import { createMeshStore, createStoreLayout, type MeshStore, modelRecordCodec } from "@modelmesh/core";
import { connectEtcdStore } from "@modelmesh/store-etcd";
import { startCluster, type TestCluster } from "@modelmesh/testkit/cluster";
import { modelHeader, TEST_SERVICE_NAME, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MiB, Status, sizedModel } from "../support.js";
import { registerLoaded } from "./cluster-support.js";

/** How long each outage lasts while calls keep flowing: longer than the 3 s session TTL. */
const OUTAGE_MS = 8000;

async function openStore(cluster: TestCluster): Promise<MeshStore> {
  const kv = await connectEtcdStore({ connection: { endpoints: [cluster.etcd.hostPort], rootPrefix: "" } });
  return createMeshStore({ kv, layout: createStoreLayout({ serviceName: TEST_SERVICE_NAME }) });
}

/** One inference call; resolves to an error description, or undefined when it was answered right. */
async function callOnce(mesh: TestMesh, modelId: string): Promise<string | undefined> {
  try {
    const response = await mesh.predictor.predict(
      { text: "outage" },
      { headers: modelHeader(modelId), timeoutMs: 15_000 },
    );
    const category = response.results[0]?.category;
    const expected = `classification for outage by model ${modelId}`;
    return category === expected ? undefined : `${modelId} via ${mesh.instanceId}: answered ${category}`;
  } catch (error) {
    return `${modelId} via ${mesh.instanceId}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Calls every model through every instance, round after round, for `forMs`; returns the failures. */
async function serveFor(
  instances: readonly TestMesh[],
  models: readonly string[],
  forMs: number,
): Promise<{ calls: number; failures: string[] }> {
  const failures: string[] = [];
  let calls = 0;
  const until = Date.now() + forMs;
  do {
    for (const mesh of instances) {
      for (const modelId of models) {
        calls++;
        const failure = await callOnce(mesh, modelId);
        if (failure !== undefined) failures.push(failure);
      }
    }
  } while (Date.now() < until);
  return { calls, failures };
}

// ModelMeshZkFailTest, etcd equivalent: with etcd gone (killed, then frozen) the loaded models keep
// serving through every instance, locally and forwarded, without a failed call; when etcd is back
// the cluster recovers: instance records are in the table again and new models register and load.
describe("ModelMeshEtcdFailTest", () => {
  let cluster: TestCluster;
  const models = ["eo-model-0", "eo-model-1"];

  beforeAll(async () => {
    // A loaded 2-core machine can take longer than the default 20 s to start a runtime.
    cluster = await startCluster({ size: 2, runtimeArgs: { startTimeoutMs: 90_000 } });
  }, 180_000);
  afterAll(async () => {
    // A frozen etcd must be thawed before it can be stopped.
    cluster?.etcd.process()?.child.kill("SIGCONT");
    await cluster?.stop();
    await stopAllProcesses();
  }, 60_000);

  /** The instances in the table and every model's holders, read from the store. */
  const recordsNow = async () => {
    const store = await openStore(cluster);
    try {
      const registry = store.table("registry", modelRecordCodec);
      const holders = new Map<string, string[]>();
      for (const modelId of models) {
        holders.set(modelId, Object.keys((await registry.get(modelId))?.value.instanceIds ?? {}));
      }
      return holders;
    } finally {
      await store.close();
    }
  };

  /** How many times each instance re-created its lost session lease (and put its keys again). */
  const recreations = () =>
    cluster.instances.map((mesh) => mesh.logs().filter((l) => l.msg === "session lease re-created").length);

  /**
   * Waits until every instance has re-created its session since `before` (the outage outlasted the
   * 3 s lease, so each lost it) and every instance record is back in the instance table.
   */
  const waitRecovered = async (before: readonly number[]) => {
    await waitUntil(() => recreations().every((n, i) => n > (before[i] ?? 0)), {
      timeoutMs: 60_000,
      intervalMs: 250,
      description: "every instance re-created its session lease",
    });
    await waitUntil(
      async () => {
        const ids = new Set(await cluster.registeredInstances());
        return cluster.instances.every((mesh) => ids.has(mesh.instanceId));
      },
      { timeoutMs: 60_000, intervalMs: 250, description: "every instance record republished" },
    );
  };

  /** A model registered and loaded through `mesh` after the outage, then served through every instance. */
  const registerAndServe = async (mesh: TestMesh, modelId: string) => {
    const status = await waitUntil(
      () =>
        mesh.management
          .registerModel(
            { modelId, modelInfo: { type: "DUMMY", path: sizedModel(MiB, 0, 0) }, loadNow: true, sync: true },
            { timeoutMs: 20_000 },
          )
          .then((s) => (s.status === Status.LOADED ? s : undefined))
          .catch(() => undefined),
      { timeoutMs: 60_000, intervalMs: 500, description: `${modelId} registered and LOADED` },
    );
    expect(Status[status.status]).toBe("LOADED");
    for (const other of cluster.instances) expect(await callOnce(other, modelId)).toBeUndefined();
  };

  it("keeps serving loaded models while etcd is down, and recovers when it returns", async () => {
    const [first, second] = cluster.instances;
    if (first === undefined || second === undefined) throw new Error("two instances expected");
    for (const modelId of models) {
      await registerLoaded(first, modelId);
    }
    // Every model has one copy, so one of the two instances serves it locally and the other
    // forwards: both paths are exercised below.
    const holders = await recordsNow();
    for (const modelId of models) expect(holders.get(modelId), modelId).toHaveLength(1);
    expect((await serveFor(cluster.instances, models, 0)).failures).toEqual([]);

    const before = recreations();
    await cluster.etcd.kill();
    const killed = await serveFor(cluster.instances, models, OUTAGE_MS);
    expect(killed.failures, `${killed.failures.length} of ${killed.calls} calls failed`).toEqual([]);
    await cluster.etcd.restart();
    await waitRecovered(before);
    await registerAndServe(second, "eo-after-kill");
    // The copies the registry knew of are still registered (none was dropped by the outage).
    const after = await recordsNow();
    for (const modelId of models)
      expect(after.get(modelId), modelId).toEqual(expect.arrayContaining(holders.get(modelId) ?? []));
  }, 240_000);

  it("keeps serving while etcd is frozen (connections hang), and recovers when it thaws", async () => {
    const [first] = cluster.instances;
    if (first === undefined) throw new Error("instances expected");
    const etcdProcess = cluster.etcd.process();
    if (etcdProcess === undefined) throw new Error("etcd is not running");
    const before = recreations();
    etcdProcess.child.kill("SIGSTOP");
    let frozen: Awaited<ReturnType<typeof serveFor>>;
    try {
      frozen = await serveFor(cluster.instances, models, OUTAGE_MS);
    } finally {
      etcdProcess.child.kill("SIGCONT");
    }
    expect(frozen.failures, `${frozen.failures.length} of ${frozen.calls} calls failed`).toEqual([]);
    await waitRecovered(before);
    await registerAndServe(first, "eo-after-freeze");
  }, 240_000);
});
