import { Code } from "@connectrpc/connect";
import { type EtcdServer, startEtcd } from "@modelmesh/testkit/etcd";
import { modelHeader, startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectCode, MiB, Status, sizedModel } from "./support.js";
import { etcdRawStore, type RawStore, VStatus, vmodelHeader } from "./vmodel-support.js";

afterAll(stopAllProcesses);

// KV_READ_ONLY: read-only migration mode. An instance serves the models and vmodels already in
// the store but registers, deletes and changes nothing: the original's answers and messages.
describe("read-only migration mode (KV_READ_ONLY)", () => {
  let etcd: EtcdServer;
  let writer: TestMesh;
  let readOnly: TestMesh;
  let raw: RawStore;
  const model = { type: "DUMMY", path: sizedModel(MiB, 0, 0) };
  beforeAll(async () => {
    etcd = await startEtcd();
    const store = { kind: "etcd", endpoint: etcd.endpoint } as const;
    writer = await startMesh({ name: "ro-writer", store });
    await writer.management.registerModel({ modelId: "ro-m1", modelInfo: model });
    await writer.management.setVModel({ vModelId: "ro-v1", targetModelId: "ro-m1" });
    await writer.stop();
    readOnly = await startMesh({ name: "ro-reader", store, env: { KV_READ_ONLY: "true" } });
    raw = etcdRawStore(etcd.hostPort);
  }, 180_000);
  afterAll(async () => {
    raw?.close();
    expect(await readOnly?.stop()).toBe(0);
    await etcd?.destroy();
  });

  it("serves the models and vmodels already registered", async () => {
    const byModel = await readOnly.predictor.predict({ text: "x" }, { headers: modelHeader("ro-m1") });
    expect(byModel.results[0]?.category).toMatch(/ro-m1/);
    const byVModel = await readOnly.predictor.predict({ text: "x" }, { headers: vmodelHeader("ro-v1") });
    expect(byVModel.results[0]?.category).toMatch(/ro-m1/);
    const status = await readOnly.management.getVModelStatus({ vModelId: "ro-v1" });
    expect([VStatus[status.status], status.activeModelId]).toEqual(["DEFINED", "ro-m1"]);
  });

  it("refuses new registrations and deletions with INTERNAL, and keeps the records", async () => {
    const created = await expectCode(
      readOnly.management.registerModel({ modelId: "ro-new", modelInfo: model }),
      Code.Internal,
    );
    expect(created.rawMessage).toBe("model-mesh read-only mode");
    expect(await raw.getJson("registry", "ro-new")).toBeUndefined();
    // Registering a model exactly as it is changes nothing, so it is answered.
    const same = await readOnly.management.registerModel({ modelId: "ro-m1", modelInfo: model });
    expect(Status[same.status]).not.toBe("NOT_FOUND");
    // A model a vmodel refers to is refused for that reason first, as in the original.
    await expectCode(readOnly.management.unregisterModel({ modelId: "ro-m1" }), Code.FailedPrecondition);
    await raw.putText("registry", "ro-free", JSON.stringify({ type: "DUMMY", path: model.path }));
    const deleted = await expectCode(
      readOnly.management.unregisterModel({ modelId: "ro-free" }),
      Code.Internal,
    );
    expect(deleted.rawMessage).toBe("model-mesh read-only mode");
    expect(await raw.getJson("registry", "ro-free")).toBeDefined();
  });

  it("refuses vmodel changes with UNAVAILABLE", async () => {
    const added = await expectCode(
      readOnly.management.setVModel({ vModelId: "ro-v2", targetModelId: "ro-m1" }),
      Code.Unavailable,
    );
    expect(added.rawMessage).toBe("model-mesh is in read-only mode");
    await expectCode(readOnly.management.deleteVModel({ vModelId: "ro-v1" }), Code.Unavailable);
    expect(await raw.getJson("vmodels", "ro-v2")).toBeUndefined();
    expect(await raw.getJson("vmodels", "ro-v1")).toMatchObject({ amid: "ro-m1" });
    // Setting a vmodel to what it already is writes nothing, so it is answered.
    const same = await readOnly.management.setVModel({ vModelId: "ro-v1", targetModelId: "ro-m1" });
    expect(VStatus[same.status]).toBe("DEFINED");
  });

  it("says so in its log at start", () => {
    expect(
      readOnly.logs().some((l) => l.level === "warn" && l.msg === "RUNNING IN READ-ONLY KV-STORE MODE"),
    ).toBe(true);
  });
});
