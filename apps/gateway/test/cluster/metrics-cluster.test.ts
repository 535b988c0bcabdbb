import { startCluster, type TestCluster } from "@modelmesh/testkit/cluster";
import { freePorts } from "@modelmesh/testkit/free-port";
import { modelHeader } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sample, scrape } from "../metrics-support.js";
import { type ClusterStore, connectClusterStore, registerLoaded } from "./cluster-support.js";

// Leader-only gauges on a 3-instance cluster: exactly one instance (the leader) exports the
// cluster counts; every instance exports its own gauges. Calls through instances without a copy
// are forwarded and counted per peer.
describe("metrics in a cluster", () => {
  let cluster: TestCluster;
  let store: ClusterStore;
  let ports: number[];
  beforeAll(async () => {
    ports = await freePorts(3);
    cluster = await startCluster({
      size: 3,
      runtimeArgs: { startTimeoutMs: 90_000 },
      perInstance: (i) => ({ env: { MM_METRICS: `prometheus:port=${ports[i]};scheme=http` } }),
    });
    store = await connectClusterStore(cluster);
  }, 180_000);
  afterAll(async () => {
    await store?.close();
    await cluster?.stop();
    await stopAllProcesses();
  }, 60_000);

  const managedOn = async () =>
    Promise.all(
      ports.map(async (port) => (await scrape(port)).samples.get("modelmesh_models_managed_total")),
    );

  it("exports the leader gauges on exactly one instance, the leader", async () => {
    const mesh = cluster.instances[0];
    if (mesh === undefined) throw new Error("no instance");
    await registerLoaded(mesh, "cluster-model");
    const values = await waitUntil(
      async () => {
        const found = await managedOn();
        return found.filter((v) => v === 1).length === 1 ? found : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, description: "one instance exporting models_managed_total = 1" },
    );
    const leaderIndex = values.indexOf(1);
    expect(values.filter((v) => v === undefined)).toHaveLength(2);
    const leader = cluster.instances[leaderIndex];
    const changes = leader?.logs().filter((l) => typeof l.isLeader === "boolean") ?? [];
    expect(changes.at(-1)?.isLeader).toBe(true);
    const s = await scrape(ports[leaderIndex] as number);
    expect(s.samples.get("modelmesh_models_loaded_total")).toBe(1);
    expect(s.samples.get("modelmesh_models_with_failure_total")).toBe(0);
    // Instance gauges are everywhere.
    for (const port of ports) {
      expect((await scrape(port)).samples.has("modelmesh_instance_capacity_bytes")).toBe(true);
    }
  }, 60_000);

  it("counts calls forwarded to the holder, per peer", async () => {
    const [holder] = await store.holders("cluster-model");
    expect(holder).toBeDefined();
    const others = cluster.instances.map((m, i) => ({ m, i })).filter(({ m }) => m.instanceId !== holder);
    for (const { m } of others) {
      await m.predictor.predict({ text: "hi" }, { headers: modelHeader("cluster-model") });
    }
    for (const { i } of others) {
      const s = await scrape(ports[i] as number);
      expect(s.samples.get(sample("modelmesh_forwarded_calls", { peer: holder as string }))).toBe(1);
      expect(
        s.samples.get(sample("modelmesh_api_request_milliseconds_count", { method: "predict", code: "OK" })),
      ).toBe(1);
    }
  }, 60_000);
});
