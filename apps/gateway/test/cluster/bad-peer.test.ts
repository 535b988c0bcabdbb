import {
  createMeshStore,
  createStoreLayout,
  instanceRecordCodec,
  type MeshSession,
  type MeshStore,
  modelRecordCodec,
} from "@modelmesh/core";
import { connectEtcdStore } from "@modelmesh/store-etcd";
import { startCluster, type TestCluster } from "@modelmesh/testkit/cluster";
import { type FakePeer, startFakePeer } from "@modelmesh/testkit/fake-peer";
import { modelHeader, TEST_SERVICE_NAME, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MiB, Status, sizedModel } from "../support.js";
import { registerLoaded } from "./cluster-support.js";

/** Deadline of every inference call: generous, so only a hang would reach it. */
const CALL_TIMEOUT_MS = 30_000;
/**
 * Longest a call may take: a call may wait out one connection attempt to the silent fake (3 s),
 * far below its deadline; the rest is slack for a loaded machine.
 */
const MAX_CALL_MS = 15_000;

// A peer that answers garbage and one that accepts connections but never answers are in the
// instance table and listed as holders of models; calls through the real instances are bounded by
// deadlines, routed around the fakes (to a real copy, or a copy loaded on a real instance), and
// the fakes are not tried again and again.
describe("ModelMeshBadPeerTest", () => {
  let cluster: TestCluster;
  let store: MeshStore;
  let session: MeshSession;
  let fakes: FakePeer[] = [];
  const fakeId = (fake: FakePeer) => `fake-${fake.behaviour}`;

  beforeAll(async () => {
    // A loaded 2-core machine can take longer than the default 20 s to start a runtime.
    cluster = await startCluster({ size: 2, runtimeArgs: { startTimeoutMs: 90_000 } });
    const kv = await connectEtcdStore({
      connection: { endpoints: [cluster.etcd.hostPort], rootPrefix: "" },
    });
    store = createMeshStore({ kv, layout: createStoreLayout({ serviceName: TEST_SERVICE_NAME }) });
    session = await store.openSession();
    fakes = [await startFakePeer("garbage"), await startFakePeer("hang")];
    // Each fake gets an instance record like a real one (taken from the first instance), but
    // empty, with room, and naming the fake's socket as its internal endpoint: an attractive
    // holder and load target. The records are bound to this test's session lease.
    const instances = store.table("instances", instanceRecordCodec);
    const real = await instances.get(cluster.instances[0]?.instanceId ?? "");
    if (real === undefined) throw new Error("no instance record to copy");
    for (const fake of fakes) {
      const outcome = await session.putIfRevision(instances, {
        id: fakeId(fake),
        value: {
          ...real.value,
          startTimeMs: Date.now(),
          count: 0,
          usedUnits: 0,
          lruTimeMs: Number.MAX_SAFE_INTEGER,
          loadsInProgress: 0,
          rpm: 0,
          internalEndpoint: fake.endpoint,
        },
        expectedRevision: 0,
      });
      expect(outcome.ok).toBe(true);
    }
    await waitUntil(
      async () => {
        const ids = await cluster.registeredInstances();
        return fakes.every((fake) => ids.includes(fakeId(fake)));
      },
      { timeoutMs: 10_000, description: "the fake instance records" },
    );
  }, 180_000);
  afterAll(async () => {
    await session?.close().catch(() => undefined);
    await store?.close();
    await Promise.all(fakes.map((fake) => fake.close()));
    await cluster?.stop();
    await stopAllProcesses();
  }, 60_000);

  const registry = () => store.table("registry", modelRecordCodec);
  const holders = async (modelId: string) =>
    Object.keys((await registry().get(modelId))?.value.instanceIds ?? {});

  /** Lists both fakes as holders of `modelId` (loaded a minute ago), next to any real copy. */
  const addFakeCopies = async (modelId: string) => {
    const loadedMs = Date.now() - 60_000;
    await registry().update(modelId, (current) => {
      if (current === undefined) throw new Error(`${modelId} is not registered`);
      const instanceIds = { ...current.value.instanceIds };
      for (const fake of fakes) instanceIds[fakeId(fake)] = loadedMs;
      return { put: { ...current.value, instanceIds } };
    });
  };

  /** One call, which must succeed well within its deadline; returns how long it took. */
  const callOk = async (mesh: TestMesh, modelId: string): Promise<number> => {
    const startMs = Date.now();
    const response = await mesh.predictor.predict(
      { text: "bad peers" },
      { headers: modelHeader(modelId), timeoutMs: CALL_TIMEOUT_MS },
    );
    expect(response.results[0]?.category, `${modelId} via ${mesh.instanceId}`).toBe(
      `classification for bad peers by model ${modelId}`,
    );
    return Date.now() - startMs;
  };

  const connections = () => fakes.map((fake) => fake.connections());

  it("a model listed only on bad peers is loaded on a real instance and served", async () => {
    const [first] = cluster.instances;
    if (first === undefined) throw new Error("no instances");
    const modelId = "bp-fake-only";
    const status = await first.management.registerModel({
      modelId,
      modelInfo: { type: "DUMMY", path: sizedModel(MiB, 0, 0) },
      loadNow: false,
    });
    expect(Status[status.status]).toBe("NOT_LOADED");
    await addFakeCopies(modelId);
    for (const mesh of cluster.instances) {
      const tookMs = await callOk(mesh, modelId);
      expect(tookMs, `via ${mesh.instanceId}`).toBeLessThan(MAX_CALL_MS);
    }
    const real = (await holders(modelId)).filter((id) => !id.startsWith("fake-"));
    expect(real.length, "a copy on a real instance").toBeGreaterThan(0);
    // The first call tried both fakes before loading the model on a real instance.
    for (const [i, n] of connections().entries())
      expect(n, `connections to ${fakeId(fakes[i] as FakePeer)}`).toBeGreaterThan(0);
  }, 180_000);

  it("a model with a real copy and bad-peer copies is served by the real copy", async () => {
    const [first] = cluster.instances;
    if (first === undefined) throw new Error("no instances");
    const modelId = "bp-mixed";
    await registerLoaded(first, modelId);
    await addFakeCopies(modelId);
    // Batches of concurrent calls through both instances for longer than the longest pause
    // between connection attempts to an unreachable peer (10 s): the fakes are tried again now
    // and then during the run, but not by every call.
    const before = connections();
    let calls = 0;
    const until = Date.now() + 15_000;
    while (Date.now() < until) {
      const batch = cluster.instances.flatMap((mesh) =>
        Array.from({ length: 8 }, async () => {
          expect(await callOk(mesh, modelId), `via ${mesh.instanceId}`).toBeLessThan(MAX_CALL_MS);
        }),
      );
      await Promise.all(batch);
      calls += batch.length;
    }
    const attempts = connections().map((n, i) => n - (before[i] ?? 0));
    for (const [i, n] of attempts.entries()) {
      const name = `attempts on ${fakeId(fakes[i] as FakePeer)} in ${calls} calls`;
      expect(n, name).toBeGreaterThan(0);
      expect(n, name).toBeLessThan(calls / 4);
    }
  }, 180_000);
});
