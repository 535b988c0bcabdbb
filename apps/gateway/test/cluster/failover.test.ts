import { startCluster, type TestCluster } from "@modelmesh/testkit/cluster";
import { modelHeader } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClusterStore, connectClusterStore, registerLoaded, startCallLoop } from "./cluster-support.js";

// Failover under load: `kill -9` of the only holder of a model while calls (each 200 ms long in
// the runtime) flow through the two other instances. Calls that were forwarded to it when it
// died are retried elsewhere (a transport failure is an internal failure: try the next copy or
// load a new one, §2.7), so not one call fails.
describe("failover under load", () => {
  let cluster: TestCluster;
  let store: ClusterStore;
  const modelId = "fo-model";
  beforeAll(async () => {
    cluster = await startCluster({ size: 3, env: { MM_SCALEUP_RPM_THRESHOLD: "1000000" } });
    store = await connectClusterStore(cluster);
  }, 180_000);
  afterAll(async () => {
    await store?.close();
    await cluster?.stop();
    await stopAllProcesses();
  }, 60_000);

  const holders = () => store.holders(modelId);

  it("kill -9 of the holder fails no call", async () => {
    const [first] = cluster.instances;
    if (first === undefined) throw new Error("no instances");
    await registerLoaded(first, modelId);
    const [holderId] = await holders();
    const victim = cluster.instances.findIndex((mesh) => mesh.instanceId === holderId);
    expect(victim).toBeGreaterThanOrEqual(0);
    const ingresses = cluster.instances.filter((_, i) => i !== victim);

    const calls = startCallLoop(8, async (w, n) => {
      const mesh = ingresses[(w + n) % ingresses.length];
      if (mesh === undefined) return;
      await mesh.predictor
        .predict({ text: "test:delay:200" }, { headers: modelHeader(modelId), timeoutMs: 30_000 })
        .catch((error: unknown) => {
          throw new Error(`${mesh.instanceId}: ${String(error)}`);
        });
    });
    await waitUntil(() => calls.served >= 40, { timeoutMs: 60_000, description: "calls flowing" });
    await cluster.kill(victim, "SIGKILL");
    const servedAtKill = calls.served;
    await waitUntil(() => calls.served >= servedAtKill + 40, {
      timeoutMs: 60_000,
      description: "calls served after the kill",
    });
    await calls.stop();
    expect(calls.failures).toEqual([]);
  }, 240_000);
});
