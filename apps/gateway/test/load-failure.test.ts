import { Code } from "@connectrpc/connect";
import {
  createMeshStore,
  createStoreLayout,
  MAX_LOAD_FAILURES,
  type MeshStore,
  modelRecordCodec,
} from "@modelmesh/core";
import { connectEtcdStore } from "@modelmesh/store-etcd";
import { type EtcdServer, startEtcd } from "@modelmesh/testkit/etcd";
import { startMesh, TEST_SERVICE_NAME, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectCode, Status } from "./support.js";

// ModelMeshLoadFailureTest, single-instance parts (the cluster parts come with the cluster issue).
describe("ModelMeshLoadFailureTest", () => {
  let etcd: EtcdServer;
  let mesh: TestMesh;
  let store: MeshStore;
  beforeAll(async () => {
    etcd = await startEtcd();
    mesh = await startMesh({ store: { kind: "etcd", endpoint: etcd.endpoint } });
    const kv = await connectEtcdStore({ connection: { endpoints: [etcd.hostPort], rootPrefix: "" } });
    store = createMeshStore({ kv, layout: createStoreLayout({ serviceName: TEST_SERVICE_NAME }) });
  });
  afterAll(async () => {
    await store?.close();
    expect(await mesh?.stop()).toBe(0);
    await etcd?.destroy();
    await stopAllProcesses();
  });
  const record = async (id: string) => (await store.table("registry", modelRecordCodec).get(id))?.value;

  it("testLoadSameIdDifferentModelStandalone: re-adding an id with a different key fails", async () => {
    const modelId = "nlc-1";
    const info = { type: "DUMMY", path: "sentiment" };
    await mesh.management.registerModel({ modelId, modelInfo: { ...info, key: "foo" }, loadNow: true });
    const error = await expectCode(
      mesh.management.registerModel({ modelId, modelInfo: { ...info, key: "bar" }, loadNow: true }),
      Code.AlreadyExists,
    );
    expect(error.rawMessage).toBe("Model already exists with different attribute values");
    // Identical attributes: idempotent.
    await mesh.management.registerModel({ modelId, modelInfo: { ...info, key: "foo" } });
    await mesh.management.unregisterModel({ modelId });
    await waitUntil(async () => (await record(modelId)) === undefined, { description: "record deleted" });
  });

  it("testLoadFailureStandalone: a failing load ends LOADING_FAILED, not an error", async () => {
    const modelId = "nlc-2";
    let status = (
      await mesh.management.registerModel({
        modelId,
        modelInfo: { type: "DUMMY", path: "FAIL_forced failure" },
        loadNow: true,
      })
    ).status;
    status = await waitUntil(
      async () => {
        const s = (await mesh.management.ensureLoaded({ modelId })).status;
        return Status[s] === "LOADING_FAILED" ? s : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 300, description: "LOADING_FAILED" },
    );
    expect(Status[status]).toBe("LOADING_FAILED");
    // One instance: one failure record (≤ MAX_LOAD_FAILURES).
    const failedIn = Object.keys((await record(modelId))?.failedIn ?? {});
    expect(failedIn).toEqual([mesh.instanceId]);
    expect(failedIn.length).toBeLessThanOrEqual(MAX_LOAD_FAILURES);
    await mesh.management.unregisterModel({ modelId });
    await waitUntil(async () => (await record(modelId)) === undefined, { description: "record deleted" });
  });
});
