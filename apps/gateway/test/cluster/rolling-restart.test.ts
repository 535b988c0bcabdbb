import { clusterTestEnv } from "@modelmesh/testkit/cluster";
import { type EtcdServer, startEtcd } from "@modelmesh/testkit/etcd";
import { modelHeader, startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MiB, Status, sizedModel } from "../support.js";
import { registerLoaded, reportLogsOnFailure, startCallLoop } from "./cluster-support.js";

// Rolling restart under steady load (issue 7): every instance of a 3-instance cluster is replaced
// one by one (SIGTERM, then a new instance) while clients keep calling, the way a Kubernetes
// Deployment rolls. The clients behave like a Service: they send only to instances whose
// `/ready` answered 200 at their last look (polled every 50 ms). Not one call may fail.
// Loads take LOAD_MS and calls have half of that as their deadline, so a call that has to wait
// for a model to be loaded again fails: the models must be moved before their copies go away.
describe("rolling restart under load", () => {
  let etcd: EtcdServer;
  const instances: TestMesh[] = [];
  /** Every instance started, replaced ones included (their logs explain a failure). */
  const started: TestMesh[] = [];
  const models = ["roll-0", "roll-1", "roll-2", "roll-3"];
  const LOAD_MS = 10_000;
  const env = { ...clusterTestEnv, SHUTDOWN_TIMEOUT_MS: "30000" };
  const start = async () => {
    const mesh = await startMesh({
      store: { kind: "etcd", endpoint: etcd.endpoint },
      env,
      readyTimeoutMs: 120_000,
    });
    started.push(mesh);
    return mesh;
  };

  beforeAll(async () => {
    etcd = await startEtcd();
    instances.push(...(await Promise.all([start(), start(), start()])));
  }, 180_000);
  afterAll(async () => {
    await Promise.all(instances.map((mesh) => mesh.stop()));
    await etcd?.destroy();
    await stopAllProcesses();
  }, 60_000);

  it("replaces every instance one by one with zero failed calls", async () => {
    reportLogsOnFailure(() => started);
    const [first] = instances;
    if (first === undefined) throw new Error("no instances");
    await Promise.all(models.map((modelId) => registerLoaded(first, modelId, sizedModel(MiB, LOAD_MS, 0))));

    // The "Service": instances that answered /ready 200 at the last poll.
    let ready: TestMesh[] = [...instances];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const answers = await Promise.all(instances.map(async (mesh) => [mesh, await mesh.probe()] as const));
        ready = answers.filter(([, status]) => status === 200).map(([mesh]) => mesh);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    const calls = startCallLoop(6, async (w, n) => {
      const target = ready[(w + n) % Math.max(1, ready.length)];
      if (target === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        return;
      }
      const modelId = models[(w + n) % models.length] ?? "";
      const text = `call ${w}/${n}`;
      const response = await target.predictor
        .predict({ text }, { headers: modelHeader(modelId), timeoutMs: LOAD_MS / 2 })
        .catch((error: unknown) => {
          throw new Error(`${target.instanceId} ${modelId}: ${String(error)}`);
        });
      if (response.results[0]?.category !== `classification for ${text} by model ${modelId}`)
        throw new Error(`wrong answer from ${target.instanceId}: ${JSON.stringify(response)}`);
    });

    for (let i = 0; i < 3; i++) {
      const servedBefore = calls.served;
      await waitUntil(() => calls.served >= servedBefore + 50, {
        timeoutMs: 60_000,
        description: "calls flowing before the next restart",
      });
      const old = instances[0];
      if (old === undefined) throw new Error("no instance to replace");
      expect(await old.stop()).toBe(0);
      expect(old.logs().some((line) => line.msg === "copies migrated for shutdown")).toBe(true);
      instances.shift();
      instances.push(await start());
    }
    const servedBefore = calls.served;
    await waitUntil(() => calls.served >= servedBefore + 50, {
      timeoutMs: 60_000,
      description: "calls flowing after the roll",
    });
    await calls.stop();
    polling = false;
    await poller;

    expect(calls.failures).toEqual([]);
    expect(calls.served).toBeGreaterThan(200);
    for (const modelId of models) {
      const status = await instances[0]?.management.getModelStatus({ modelId });
      expect(Status[status?.status ?? 0]).toBe("LOADED");
    }
  }, 600_000);
});
