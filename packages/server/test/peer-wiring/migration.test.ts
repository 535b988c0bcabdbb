import { modelRecordCodec } from "@modelmesh/core";
import { ModelStatusInfo_ModelStatus } from "@modelmesh/proto";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { parseTypeConstraints } from "../../src/index.js";
import { captureLogs, type LogLine } from "../cluster/cluster-harness.js";
import { type EtcdCluster, type PeerInstance, startEtcdCluster, startPeerInstance } from "./peer-cluster.js";

// Graceful shutdown when several instances stop at once (§9.5, improved): the replacement a
// stopping instance waits for may land on an instance that starts stopping too. The first
// one must then ask again and keep serving until a copy on a live instance is loaded, so the
// model never lacks a loaded copy. Loads take LOAD_MS and calls have half of that as their
// deadline: a call that had to wait for a load fails.
const typeConstraints = parseTypeConstraints(JSON.stringify({ "prefer-a": { preferred: ["a"] } }));
const timings = { instancePublishMinIntervalMs: 50 };
const LOAD_MS = 2000;
const modelId = "migrate-twice";

describe("migration when the replacement's holder starts shutting down", () => {
  let cluster: EtcdCluster;
  let instances: PeerInstance[];
  const logs: LogLine[] = [];

  beforeAll(async () => {
    cluster = await startEtcdCluster("peer-wiring-migration-test");
    instances = await Promise.all(
      ["mig-a", "mig-b", "mig-c"].map((instanceId, i) =>
        startPeerInstance(cluster, {
          instanceId,
          labels: i === 0 ? ["a"] : [],
          timings,
          typeConstraints,
          logger: captureLogs(logs, { instance: instanceId }),
        }),
      ),
    );
  }, 60_000);
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.close()));
    await cluster?.close();
  });

  it("asks again and keeps serving until a copy on a live instance is loaded", async () => {
    const [a] = instances;
    if (a === undefined) throw new Error("no instances");
    onTestFailed(() => {
      for (const line of logs.filter((l) => l.level !== "debug")) console.error(JSON.stringify(line));
    });
    const registered = await a.management.registerModel({
      modelId,
      modelInfo: { type: "prefer-a", path: `SIZE_1048576_${LOAD_MS}_0` },
      loadNow: true,
      sync: true,
    });
    expect(registered.status).toBe(ModelStatusInfo_ModelStatus.LOADED);
    const store = await cluster.openStore();
    const registry = store.table("registry", modelRecordCodec);
    const holders = async () => Object.keys((await registry.get(modelId))?.value.instanceIds ?? {});
    expect(await holders()).toEqual(["mig-a"]);

    const failures: string[] = [];
    let served = 0;
    let calling = true;
    const caller = async (via: PeerInstance) => {
      while (calling) {
        try {
          await via.predictor.predict(
            { text: "x" },
            { headers: { "mm-model-id": modelId }, timeoutMs: LOAD_MS / 2 },
          );
          served++;
        } catch (error) {
          failures.push(`${via.id}: ${String(error)}`);
        }
      }
    };
    const callers = instances.slice(1).map(caller);
    await waitUntil(() => served >= 20, { timeoutMs: 20_000, description: "calls flowing" });

    // A starts moving its copy; once the replacement is registered somewhere, that instance
    // starts shutting down too.
    const aDrained = a.mesh.drain(Date.now() + 30_000);
    let second: PeerInstance | undefined;
    await waitUntil(
      async () => {
        const id = (await holders()).find((holder) => holder !== "mig-a");
        second = instances.find((instance) => instance.id === id);
        return second !== undefined;
      },
      { timeoutMs: 10_000, intervalMs: 20, description: "a replacement registered" },
    );
    if (second === undefined) throw new Error("no replacement");
    const third = instances.find((instance) => instance !== a && instance !== second);
    if (third === undefined) throw new Error("no third instance");
    const secondDrained = second.mesh.drain(Date.now() + 30_000);
    await Promise.all([aDrained, secondDrained]);
    const servedAtEnd = served;
    await waitUntil(() => served >= servedAtEnd + 10, { timeoutMs: 10_000, description: "calls after" });
    calling = false;
    await Promise.all(callers);

    expect(failures).toEqual([]);
    expect(await holders()).toEqual([third.id]);
    expect(third.runtime.events("load-started").filter((e) => e.modelId === modelId)).toHaveLength(1);
    await store.close();
  }, 90_000);
});
