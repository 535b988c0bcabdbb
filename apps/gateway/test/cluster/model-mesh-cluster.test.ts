import { startCluster, type TestCluster } from "@modelmesh/testkit/cluster";
import { modelHeader, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MiB, multiPredict, Status, sizedModel, statusOf } from "../support.js";
import { type ClusterStore, connectClusterStore, instanceAt, runConcurrently } from "./cluster-support.js";

// ModelMeshClusterTest: three instances with the original test's scale-up threshold of 10
// requests per minute per copy. Thousands of calls spread over the three ingresses all succeed
// while the hot model gains a copy on every instance; 2 MB payloads cross a forwarding hop intact.
describe("ModelMeshClusterTest", () => {
  let cluster: TestCluster;
  let store: ClusterStore;
  beforeAll(async () => {
    cluster = await startCluster({ size: 3, env: { MM_SCALEUP_RPM_THRESHOLD: "10" } });
    store = await connectClusterStore(cluster);
  }, 300_000);
  afterAll(async () => {
    await store?.close();
    await cluster?.stop();
    await stopAllProcesses();
  }, 60_000);

  const register = (mesh: TestMesh, modelId: string, bytes: number) =>
    mesh.management.registerModel({
      modelId,
      modelInfo: { type: "DUMMY", path: sizedModel(bytes, 0, 0) },
      loadNow: true,
      sync: true,
    });

  /** Sets the dynamic scale-up threshold and waits until every instance follows it. */
  async function setThreshold(rpm: number | undefined, expected: number): Promise<void> {
    await store.setConfig("scaleup_rpm_threshold", rpm === undefined ? undefined : String(rpm));
    for (const mesh of cluster.instances) {
      await waitUntil(
        () => {
          const changes = mesh.logs().filter((line) => line.msg === "scale-up threshold changed");
          return changes.at(-1)?.to === expected;
        },
        { timeoutMs: 20_000, intervalMs: 100, description: `${mesh.instanceId} threshold ${expected}` },
      );
    }
  }

  it("grpcTest: thousands of calls over three ingresses scale a hot model to every instance", async () => {
    const modelId = "cluster-hot-model";
    expect(Status[(await register(instanceAt(cluster, 0), modelId, MiB)).status]).toBe("LOADED");
    expect(await store.holders(modelId)).toHaveLength(1);

    const calls = 2000;
    const failures = await runConcurrently(calls, 24, async (i) => {
      const mesh = instanceAt(cluster, i % cluster.instances.length);
      const text = `call ${i}`;
      const response = await mesh.predictor.predict(
        { text },
        { headers: modelHeader(modelId), timeoutMs: 60_000 },
      );
      const category = response.results[0]?.category;
      if (category !== `classification for ${text} by model ${modelId}`)
        throw new Error(`unexpected answer ${category}`);
    });
    expect(Object.fromEntries(failures), "failed calls by message").toEqual({});

    // 2000 calls are far above 10 rpm: the holder's rate check adds copies (a chained load
    // reaches the third instance) without further traffic.
    const holders = await waitUntil(
      async () => {
        const ids = await store.holders(modelId);
        return ids.length === cluster.instances.length ? ids : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, description: "a copy of the hot model on every instance" },
    );
    expect(holders.sort()).toEqual(cluster.instances.map((m) => m.instanceId).sort());
    for (const mesh of cluster.instances) {
      const status = await waitUntil(
        async () => ((await statusOf(mesh, modelId)) === Status.LOADED ? Status.LOADED : undefined),
        { timeoutMs: 30_000, intervalMs: 200, description: `LOADED via ${mesh.instanceId}` },
      );
      expect(Status[status]).toBe("LOADED");
    }

    // With three copies, more calls through every ingress still all succeed.
    const after = await runConcurrently(300, 12, async (i) => {
      const mesh = instanceAt(cluster, i % cluster.instances.length);
      await mesh.predictor.predict({ text: "again" }, { headers: modelHeader(modelId), timeoutMs: 60_000 });
    });
    expect(Object.fromEntries(after), "failed calls by message").toEqual({});
  }, 240_000);

  it("forwards 2 MB requests and responses intact across instances", async () => {
    // No scale-up for this model (the dynamic threshold overrides the static one), so its one
    // copy stays where it is and every call through another instance is forwarded to it.
    await setThreshold(1_000_000, 1_000_000);
    try {
      const modelId = "cluster-big-payload";
      expect(Status[(await register(instanceAt(cluster, 1), modelId, MiB)).status]).toBe("LOADED");
      const [holder, ...others] = await store.holders(modelId);
      expect(others).toEqual([]);
      const ingresses = cluster.instances.filter((mesh) => mesh.instanceId !== holder);
      expect(ingresses).toHaveLength(2);

      const failures = await runConcurrently(40, 4, async (i) => {
        const mesh = ingresses[i % ingresses.length] as TestMesh;
        // 2 MB of text that differs per call, so a mixed-up or truncated body shows.
        const text = `${i}:`.padEnd(2_000_000, String.fromCharCode(97 + (i % 26)));
        const response = await mesh.predictor.predict(
          { text },
          { headers: modelHeader(modelId), timeoutMs: 60_000 },
        );
        const category = response.results[0]?.category;
        if (category !== `classification for ${text} by model ${modelId}`)
          throw new Error(`call ${i} via ${mesh.instanceId}: answer of ${category?.length} chars differs`);
      });
      expect(Object.fromEntries(failures), "failed calls by message").toEqual({});
      // Still the one copy: the calls were served by the holder's runtime, through the hop.
      expect(await store.holders(modelId)).toEqual([holder]);
    } finally {
      await setThreshold(undefined, 10);
    }
  }, 240_000);

  it("multiModelTest: one call to models held by different instances merges their answers", async () => {
    const ids = ["cluster-multi-0", "cluster-multi-1", "cluster-multi-2"];
    for (const [i, modelId] of ids.entries()) {
      expect(Status[(await register(instanceAt(cluster, i), modelId, 1024)).status]).toBe("LOADED");
    }
    for (const mesh of cluster.instances) {
      const response = await multiPredict(mesh, ids, "sometext");
      expect(Object.keys(response.perModelResults).sort(), `via ${mesh.instanceId}`).toEqual(ids);
      for (const id of ids) {
        expect(response.perModelResults[id]?.results[0]?.category).toBe(
          `classification for sometext by model ${id}`,
        );
      }
    }
  }, 120_000);
});
