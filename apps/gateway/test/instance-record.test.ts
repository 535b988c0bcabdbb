import {
  createMeshStore,
  createStoreLayout,
  instanceRecordCodec,
  type MeshStore,
  modelRecordCodec,
} from "@modelmesh/core";
import { connectEtcdStore } from "@modelmesh/store-etcd";
import { type EtcdServer, startEtcd } from "@modelmesh/testkit/etcd";
import { startMesh, TEST_SERVICE_NAME, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Status, sizedModel } from "./support.js";

// ModelMeshTest (standalone part): the instance record the mesh publishes in the store, and the
// registry entry, read straight from etcd by the test.
describe("ModelMeshTest", () => {
  let etcd: EtcdServer;
  let mesh: TestMesh;
  let store: MeshStore;
  beforeAll(async () => {
    etcd = await startEtcd();
    mesh = await startMesh({
      store: { kind: "etcd", endpoint: etcd.endpoint },
      env: { MM_INSTANCE_PUBLISH_INTERVAL_MS: "300", MM_INSTANCE_PUBLISH_MIN_INTERVAL_MS: "0" },
    });
    const kv = await connectEtcdStore({ connection: { endpoints: [etcd.hostPort], rootPrefix: "" } });
    store = createMeshStore({ kv, layout: createStoreLayout({ serviceName: TEST_SERVICE_NAME }) });
  });
  afterAll(async () => {
    await store?.close();
    expect(await mesh?.stop()).toBe(0);
    await etcd?.destroy();
    await stopAllProcesses();
  });

  const instance = async () =>
    (await store.table("instances", instanceRecordCodec).get(mesh.instanceId))?.value;
  const registered = async (id: string) => (await store.table("registry", modelRecordCodec).get(id))?.value;

  it("testLoadDestroyStandalone: instance record fields follow a load and a delete", async () => {
    const empty = await waitUntil(instance, { timeoutMs: 20_000, description: "instance record" });
    expect(empty).toMatchObject({ count: 0, usedUnits: 0, loadsInProgress: 0 });
    expect(empty.capacityUnits).toBeGreaterThan(0);

    const modelId = "nlc-1";
    expect(await registered(modelId)).toBeUndefined();
    const status = await mesh.management.registerModel({
      modelId,
      modelInfo: { type: "DUMMY", path: sizedModel(4 * 1024 * 1024, 0, 0) },
      loadNow: true,
      sync: true,
    });
    expect(Status[status.status]).toBe("LOADED");
    expect(Object.keys((await registered(modelId))?.instanceIds ?? {})).toEqual([mesh.instanceId]);

    const loaded = await waitUntil(
      async () => {
        const record = await instance();
        return record !== undefined && record.count > 0 && record.usedUnits > 0 ? record : undefined;
      },
      { timeoutMs: 20_000, description: "instance record showing the copy" },
    );
    expect(loaded.count).toBeLessThanOrEqual(1);
    expect(loaded.usedUnits).toBeGreaterThan(0);
    expect(loaded.usedUnits).toBeLessThanOrEqual(loaded.capacityUnits);
    expect(loaded.location).toBe("127.0.0.1");

    await mesh.management.unregisterModel({ modelId });
    await waitUntil(async () => (await registered(modelId)) === undefined, {
      timeoutMs: 10_000,
      description: "registry entry removed",
    });
    const after = await waitUntil(
      async () => {
        const record = await instance();
        return record?.count === 0 && record.usedUnits === 0 ? record : undefined;
      },
      { timeoutMs: 20_000, description: "instance record back to empty" },
    );
    expect(after.loadsInProgress).toBe(0);
  });
});
