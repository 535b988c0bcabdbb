import { createMeshStore, createStoreLayout, type MeshStore, modelRecordCodec } from "@modelmesh/core";
import { connectEtcdStore } from "@modelmesh/store-etcd";
import { startCluster, type TestCluster } from "@modelmesh/testkit/cluster";
import { modelHeader, TEST_SERVICE_NAME } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MiB, Status, sizedModel } from "../support.js";

// The original's ModelMeshLoadFailureTest "graceful stop of 3 of 5 pods migrates every model",
// done harder: the three get SIGTERM at the same moment while clients keep calling every model
// through the two that stay, and not one call may fail. Afterwards every model is still
// registered and LOADED, held only by the two survivors.
describe("ModelMeshClusterGracefulStopTest", () => {
  let cluster: TestCluster;
  let store: MeshStore;
  const models = Array.from({ length: 10 }, (_, i) => `gs-model-${i}`);
  const LOAD_MS = 8000;
  beforeAll(async () => {
    cluster = await startCluster({ size: 5, env: { SHUTDOWN_TIMEOUT_MS: "30000" } });
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

  it("SIGTERM to 3 of 5 at once: every model moves to the other 2 with no failed call", async () => {
    const [first] = cluster.instances;
    if (first === undefined) throw new Error("no instances");
    // Loads take LOAD_MS and calls have half of that as their deadline: a call that had to wait
    // for a model to be loaded again would fail, so the copies must move before they go away.
    const registered = await Promise.all(
      models.map((modelId) =>
        first.management.registerModel({
          modelId,
          modelInfo: { type: "DUMMY", path: sizedModel(MiB, LOAD_MS, 0) },
          loadNow: true,
          sync: true,
        }),
      ),
    );
    for (const status of registered) expect(Status[status.status]).toBe("LOADED");
    const stopping = [0, 1, 2];
    const survivors = cluster.instances.slice(3);
    const stoppingIds = new Set(stopping.map((i) => cluster.instances[i]?.instanceId));
    const heldByStopping = (await Promise.all(models.map(holders))).filter((ids) =>
      ids.some((id) => stoppingIds.has(id)),
    ).length;
    expect(heldByStopping).toBeGreaterThan(0);

    const failures: string[] = [];
    let served = 0;
    let running = true;
    const worker = async (w: number) => {
      for (let n = 0; running; n++) {
        const mesh = survivors[(w + n) % survivors.length];
        const modelId = models[(w + n) % models.length] ?? "";
        if (mesh === undefined) continue;
        try {
          const response = await mesh.predictor.predict(
            { text: `g ${w}/${n}` },
            { headers: modelHeader(modelId), timeoutMs: LOAD_MS / 2 },
          );
          if (response.results[0]?.category !== `classification for g ${w}/${n} by model ${modelId}`)
            failures.push(`wrong answer: ${JSON.stringify(response)}`);
          served++;
        } catch (error) {
          failures.push(`${mesh.instanceId} ${modelId}: ${String(error)}`);
        }
      }
    };
    const workers = Array.from({ length: 4 }, (_, w) => worker(w));
    // Models in use: only those used within the last hour are waited for (§9.5).
    await waitUntil(() => served >= 100, { timeoutMs: 60_000, description: "calls flowing" });
    const codes = await Promise.all(stopping.map((i) => cluster.kill(i, "SIGTERM")));
    const servedAtStop = served;
    running = false;
    await Promise.all(workers);

    expect(codes).toEqual([0, 0, 0]);
    expect(failures).toEqual([]);
    expect(servedAtStop).toBeGreaterThan(0);
    const survivorIds = new Set(survivors.map((mesh) => mesh.instanceId));
    for (const modelId of models) {
      const ids = await holders(modelId);
      expect(ids.length, `holders of ${modelId}`).toBeGreaterThan(0);
      expect(
        ids.every((id) => survivorIds.has(id)),
        `holders of ${modelId}: ${ids}`,
      ).toBe(true);
      const status = await survivors[0]?.management.getModelStatus({ modelId });
      expect(Status[status?.status ?? 0]).toBe("LOADED");
    }
    for (const i of stopping) {
      const line = cluster.instances[i]?.logs().find((l) => l.msg === "copies migrated for shutdown");
      expect(line, `instance ${i} logged its migration`).toBeDefined();
    }
  }, 300_000);
});
