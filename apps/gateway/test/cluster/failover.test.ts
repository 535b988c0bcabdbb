import { createMeshStore, createStoreLayout, type MeshStore, modelRecordCodec } from "@modelmesh/core";
import { connectEtcdStore } from "@modelmesh/store-etcd";
import { startCluster, type TestCluster } from "@modelmesh/testkit/cluster";
import { modelHeader, TEST_SERVICE_NAME } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MiB, Status, sizedModel } from "../support.js";

// Failover under load: `kill -9` of the only holder of a model while calls (each 200 ms long in
// the runtime) flow through the two other instances. Calls that were forwarded to it when it
// died are retried elsewhere (a transport failure is an internal failure: try the next copy or
// load a new one, §2.7), so not one call fails.
describe("failover under load", () => {
  let cluster: TestCluster;
  let store: MeshStore;
  const modelId = "fo-model";
  beforeAll(async () => {
    cluster = await startCluster({ size: 3, env: { MM_SCALEUP_RPM_THRESHOLD: "1000000" } });
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

  const holders = async () =>
    Object.keys((await store.table("registry", modelRecordCodec).get(modelId))?.value.instanceIds ?? {});

  it("kill -9 of the holder fails no call", async () => {
    const [first] = cluster.instances;
    if (first === undefined) throw new Error("no instances");
    const status = await first.management.registerModel({
      modelId,
      modelInfo: { type: "DUMMY", path: sizedModel(MiB, 0, 0) },
      loadNow: true,
      sync: true,
    });
    expect(Status[status.status]).toBe("LOADED");
    const [holderId] = await holders();
    const victim = cluster.instances.findIndex((mesh) => mesh.instanceId === holderId);
    expect(victim).toBeGreaterThanOrEqual(0);
    const ingresses = cluster.instances.filter((_, i) => i !== victim);

    const failures: string[] = [];
    let served = 0;
    let running = true;
    const worker = async (w: number) => {
      for (let n = 0; running; n++) {
        const mesh = ingresses[(w + n) % ingresses.length];
        if (mesh === undefined) continue;
        try {
          await mesh.predictor.predict(
            { text: "test:delay:200" },
            { headers: modelHeader(modelId), timeoutMs: 30_000 },
          );
          served++;
        } catch (error) {
          failures.push(`${mesh.instanceId}: ${String(error)}`);
        }
      }
    };
    const workers = Array.from({ length: 8 }, (_, w) => worker(w));
    await waitUntil(() => served >= 40, { timeoutMs: 60_000, description: "calls flowing" });
    await cluster.kill(victim, "SIGKILL");
    const servedAtKill = served;
    await waitUntil(() => served >= servedAtKill + 40, {
      timeoutMs: 60_000,
      description: "calls served after the kill",
    });
    running = false;
    await Promise.all(workers);
    expect(failures).toEqual([]);
  }, 240_000);
});
