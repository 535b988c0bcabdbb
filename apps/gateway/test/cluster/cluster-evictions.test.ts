import { startCluster, type TestCluster } from "@modelmesh/testkit/cluster";
import { modelHeader } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MiB, Status, sizedModel } from "../support.js";
import { type ClusterStore, connectClusterStore, instanceAt } from "./cluster-support.js";

// Sizes in 8 KiB units. Each runtime reports 80 MiB with an 8 MiB default model size (the
// smallest capacity allowed for it, §4.1): an 8 MiB unload buffer leaves 72 MiB (9216 units),
// and an instance is full below 8 MiB (1024 units) free. Models of 3008 units: three fit and
// fill an instance (192 units left), a fourth evicts.
const UNIT = 8192;
const modelBytes = 3008 * UNIT;
const runtimeArgs = ["--capacity-bytes", String(80 * MiB), "--default-model-size-bytes", String(8 * MiB)];
/** Recency gap between consecutive models: far more than a tenth of the oldest one's age (§3.3). */
const GAP_MS = 10 * 60_000;

// ModelMeshEvictionsTest, cluster part: three instances holding three models each. New models
// evict the globally least recently used ones (each goes to the instance holding the oldest
// model, §3.1: full instances are ordered by their oldest entry), and models used recently
// survive whatever their age at registration.
describe("ModelMeshEvictionsTest (cluster)", () => {
  let cluster: TestCluster;
  let store: ClusterStore;
  beforeAll(async () => {
    cluster = await startCluster({
      size: 3,
      // A long load timeout keeps evicted copies from being reloaded elsewhere (§4.6: only
      // copies older than 2 × the load timeout are), and churn protection is off, as in the
      // original test.
      runtimeArgs: { args: [...runtimeArgs, "--load-timeout-ms", "600000"] },
      env: { MM_MIN_CHURN_AGE_MS: "1" },
    });
    store = await connectClusterStore(cluster);
  }, 300_000);
  afterAll(async () => {
    await store?.close();
    await cluster?.stop();
    await stopAllProcesses();
  }, 60_000);

  const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

  async function register(i: number, modelId: string, lastUsedMs: number): Promise<void> {
    const status = await instanceAt(cluster, i % cluster.instances.length).management.registerModel({
      modelId,
      modelInfo: { type: "DUMMY", path: sizedModel(modelBytes, 0, 0) },
      loadNow: true,
      sync: true,
      lastUsedTime: BigInt(lastUsedMs),
    });
    expect(Status[status.status], modelId).toBe("LOADED");
  }

  /** Holder of each model (one copy each), from the registry. */
  async function placement(models: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const id of models) {
      const holders = await store.holders(id);
      if (holders.length > 1) throw new Error(`${id} has ${holders.length} copies`);
      if (holders[0] !== undefined) out.set(id, holders[0]);
    }
    return out;
  }

  /**
   * Waits until every instance record shows `count` copies and its oldest entry at the expected
   * time (the least recent of `recency` among the models it holds), so the next placement
   * decision works from settled records.
   */
  async function settle(recency: ReadonlyMap<string, number>, count: number): Promise<void> {
    await waitUntil(
      async () => {
        const held = await placement([...recency.keys()]);
        for (const mesh of cluster.instances) {
          const mine = [...held].filter(([, holder]) => holder === mesh.instanceId).map(([id]) => id);
          const oldest = Math.min(...mine.map((id) => recency.get(id) ?? 0));
          const record = await store.instance(mesh.instanceId);
          if (record === undefined || record.count !== count || mine.length !== count) return false;
          if (Math.abs(record.lruTimeMs - oldest) > 2000) return false;
        }
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 200, description: `every instance settled with ${count} copies` },
    );
  }

  it("overflow evicts the globally oldest models; recently used ones survive", async () => {
    // Nine models, 10 minutes of recency apart: a full cluster (three per instance: a full
    // instance is never chosen while another has room).
    const old = ids("ev-old", 9);
    const baseMs = Date.now() - old.length * GAP_MS;
    const recency = new Map<string, number>();
    for (const [i, modelId] of old.entries()) {
      const lastUsedMs = baseMs + i * GAP_MS;
      await register(i, modelId, lastUsedMs);
      recency.set(modelId, lastUsedMs);
      await waitUntil(async () => (await placement(old.slice(0, i + 1))).size === i + 1, {
        timeoutMs: 20_000,
        description: `${modelId} registered`,
      });
    }
    await settle(recency, 3);

    // Use the two oldest: they become the most recently used.
    const used = old.slice(0, 2);
    for (const modelId of used) {
      await instanceAt(cluster, 0).predictor.predict(
        { text: "touch" },
        { headers: modelHeader(modelId), timeoutMs: 30_000 },
      );
      recency.set(modelId, Date.now());
    }
    await settle(recency, 3);

    // Three new models (used now): each evicts the least recently used model of the cluster.
    const fresh = ids("ev-new", 3);
    const byAge = [...recency].sort((a, b) => a[1] - b[1]).map(([id]) => id);
    const victims = byAge.slice(0, fresh.length);
    expect(victims).toEqual(["ev-old-2", "ev-old-3", "ev-old-4"]);
    for (const [i, modelId] of fresh.entries()) {
      const nowMs = Date.now();
      await register(i, modelId, nowMs);
      recency.delete(victims[i] ?? "");
      recency.set(modelId, nowMs);
      await waitUntil(async () => (await store.holders(victims[i] ?? "")).length === 0, {
        timeoutMs: 30_000,
        intervalMs: 200,
        description: `${victims[i]} evicted`,
      });
      await settle(recency, 3);
    }

    const survivors = [...old.filter((id) => !victims.includes(id)), ...fresh];
    const held = await placement([...old, ...fresh]);
    expect(
      victims.filter((id) => held.has(id)),
      "victims still loaded",
    ).toEqual([]);
    expect(
      survivors.filter((id) => !held.has(id)),
      "survivors not loaded",
    ).toEqual([]);
    for (const modelId of victims) {
      expect(Status[(await instanceAt(cluster, 1).management.getModelStatus({ modelId })).status]).toBe(
        "NOT_LOADED",
      );
    }
    for (const modelId of used) {
      expect(Status[(await instanceAt(cluster, 2).management.getModelStatus({ modelId })).status]).toBe(
        "LOADED",
      );
    }
  }, 240_000);
});
