import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { modelRecordCodec } from "@modelmesh/core";
import {
  GetStatusRequestSchema,
  ModelStatusInfoSchema,
  RegisterModelRequestSchema,
  ModelStatusInfo_ModelStatus as Status,
  UnregisterModelRequestSchema,
  VModelStatusInfo_VModelStatus,
} from "@modelmesh/proto";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failure, type MeshHarness, modelHeaders, startMesh } from "./mesh-harness.js";
import { frame, rawGrpcCall } from "./raw-grpc.js";

const HOUR_MS = 3_600_000;

describe("mmesh.ModelMesh management API", () => {
  let h: MeshHarness;
  const record = (id: string) => h.store.table("registry", modelRecordCodec).get(id);
  beforeAll(async () => {
    h = await startMesh();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("registers a model without loading it, lu six hours back", async () => {
    const before = Date.now();
    const status = await h.management.registerModel({
      modelId: "reg-1",
      modelInfo: { type: "example", path: "sentiment" },
    });
    expect(status.status).toBe(Status.NOT_LOADED);
    const stored = await record("reg-1");
    expect(stored?.value).toMatchObject({ type: "example", path: "sentiment", instanceIds: {} });
    expect(stored?.value.lastUsedMs).toBeGreaterThanOrEqual(before - 6 * HOUR_MS);
    expect(stored?.value.lastUsedMs).toBeLessThanOrEqual(Date.now() - 6 * HOUR_MS);
    expect((await h.management.getModelStatus({ modelId: "reg-1" })).status).toBe(Status.NOT_LOADED);
    expect(h.runtime.events("load-started").some((e) => e.modelId === "reg-1")).toBe(false);
  });

  it("is idempotent for identical info and refuses different info with ALREADY_EXISTS", async () => {
    const info = { type: "example", path: "iris-tree" };
    await h.management.registerModel({ modelId: "reg-2", modelInfo: info });
    const again = await h.management.registerModel({ modelId: "reg-2", modelInfo: info });
    expect(again.status).toBe(Status.NOT_LOADED);
    const different = await failure(
      h.management.registerModel({ modelId: "reg-2", modelInfo: { type: "example", path: "other" } }),
    );
    expect(different.code).toBe(Code.AlreadyExists);
    expect(different.rawMessage).toBe("Model already exists with different attribute values");
  });

  it("rejects an empty model id or type with INVALID_ARGUMENT", async () => {
    const noId = await failure(h.management.registerModel({ modelId: "", modelInfo: { type: "x" } }));
    expect(noId).toMatchObject({ code: Code.InvalidArgument, rawMessage: "must provide non-empty modelId" });
    const noType = await failure(h.management.registerModel({ modelId: "reg-3", modelInfo: { path: "p" } }));
    expect(noType).toMatchObject({
      code: Code.InvalidArgument,
      rawMessage: "Must provide non-empty model type string",
    });
    const statusNoId = await failure(h.management.getModelStatus({ modelId: "" }));
    expect(statusNoId.code).toBe(Code.InvalidArgument);
  });

  it("loads with loadNow + sync (lu one hour back) and reports copies", async () => {
    const status = await h.management.registerModel({
      modelId: "reg-4",
      modelInfo: { type: "example", path: "sentiment" },
      loadNow: true,
      sync: true,
    });
    expect(status.status).toBe(Status.LOADED);
    expect(status.modelCopyInfos).toHaveLength(1);
    expect(status.modelCopyInfos[0]).toMatchObject({ location: "test-instance", copyStatus: Status.UNKNOWN });
    const stored = await record("reg-4");
    expect(stored?.value.instanceIds["test-instance"]).toBeGreaterThan(0);
    expect(stored?.value.lastUsedMs).toBeLessThanOrEqual(Date.now() - HOUR_MS + 1000);
  });

  it("getModelStatus never loads; ensureLoaded does, with sync", async () => {
    await h.management.registerModel({ modelId: "reg-5", modelInfo: { type: "example", path: "sentiment" } });
    expect((await h.management.getModelStatus({ modelId: "reg-5" })).status).toBe(Status.NOT_LOADED);
    const loaded = await h.management.ensureLoaded({ modelId: "reg-5", sync: true });
    expect(loaded.status).toBe(Status.LOADED);
    expect((await h.management.getModelStatus({ modelId: "reg-5" })).status).toBe(Status.LOADED);
    expect((await h.management.getModelStatus({ modelId: "absent" })).status).toBe(Status.NOT_FOUND);
  });

  it("ensureLoaded without sync answers LOADING, then the model loads", async () => {
    await h.management.registerModel({
      modelId: "reg-6",
      modelInfo: { type: "example", path: "SIZE_1000000_800_0" },
    });
    const loading = await h.management.ensureLoaded({ modelId: "reg-6" });
    expect(loading.status).toBe(Status.LOADING);
    await waitUntil(
      async () => (await h.management.getModelStatus({ modelId: "reg-6" })).status === Status.LOADED,
      {
        timeoutMs: 20_000,
      },
    );
  });

  it("reports a failed load as LOADING_FAILED with the runtime's message", async () => {
    const status = await h.management.registerModel({
      modelId: "reg-fail",
      modelInfo: { type: "example", path: "FAIL_the disk is on fire" },
      loadNow: true,
      sync: true,
    });
    expect(status.status).toBe(Status.LOADING_FAILED);
    expect(status.errors).toHaveLength(1);
    expect(status.errors[0]).toMatch(/the disk is on fire$/);
    expect(status.modelCopyInfos).toHaveLength(1);
    expect(status.modelCopyInfos[0]?.copyStatus).toBe(Status.LOADING_FAILED);
    expect(status.modelCopyInfos[0]?.location).not.toBe("");
    expect(Number(status.modelCopyInfos[0]?.time)).toBeGreaterThan(Date.now() - 60_000);
  });

  it("unregisters (a no-op when absent) and unloads the copy", async () => {
    await h.management.registerModel({
      modelId: "reg-7",
      modelInfo: { type: "example", path: "sentiment" },
      loadNow: true,
      sync: true,
    });
    await h.management.unregisterModel({ modelId: "reg-7" });
    expect(await record("reg-7")).toBeUndefined();
    await h.runtime.waitForEvent("model-unloaded", (e) => e.modelId === "reg-7", 20_000);
    expect((await h.management.getModelStatus({ modelId: "reg-7" })).status).toBe(Status.NOT_FOUND);
    await h.management.unregisterModel({ modelId: "never-registered" });
    const call = h.predictor.predict({ text: "x" }, { headers: modelHeaders("reg-7") });
    await expect(call).rejects.toMatchObject({ code: Code.NotFound });
  });

  it("refuses to unregister a model vmodels refer to", async () => {
    await h.management.registerModel({ modelId: "reg-8", modelInfo: { type: "example", path: "sentiment" } });
    const table = h.store.table("registry", modelRecordCodec);
    await table.update("reg-8", (current) => (current ? { put: { ...current.value, refs: 1 } } : undefined));
    const refused = await failure(h.management.unregisterModel({ modelId: "reg-8" }));
    expect(refused).toMatchObject({ code: Code.FailedPrecondition, rawMessage: "Model reg-8 has referents" });
  });

  it("serves the legacy names addModel/deleteModel and the TasRuntime service", async () => {
    const call = (path: string, body: Uint8Array) => rawGrpcCall({ port: h.port, path, body: [frame(body)] });
    const added = await call(
      "/mmesh.ModelMesh/addModel",
      toBinary(
        RegisterModelRequestSchema,
        create(RegisterModelRequestSchema, {
          modelId: "legacy-1",
          modelInfo: { type: "example", path: "sentiment" },
        }),
      ),
    );
    expect(added.status).toBe(0);
    expect(fromBinary(ModelStatusInfoSchema, added.messages[0] as Buffer).status).toBe(Status.NOT_LOADED);
    const status = await call(
      "/com.ibm.watson.tas.proto.TasRuntime/getModelStatus",
      toBinary(GetStatusRequestSchema, create(GetStatusRequestSchema, { modelId: "legacy-1" })),
    );
    expect(fromBinary(ModelStatusInfoSchema, status.messages[0] as Buffer).status).toBe(Status.NOT_LOADED);
    const deleted = await call(
      "/com.ibm.watson.tas.proto.TasRuntime/deleteModel",
      toBinary(UnregisterModelRequestSchema, create(UnregisterModelRequestSchema, { modelId: "legacy-1" })),
    );
    expect(deleted.status).toBe(0);
    expect(await record("legacy-1")).toBeUndefined();
  });

  it("answers the vmodel RPCs: an absent vmodel is NOT_FOUND with empty ids, an empty id INVALID_ARGUMENT", async () => {
    const absent = await h.management.getVModelStatus({ vModelId: "v" });
    expect(absent).toMatchObject({ status: VModelStatusInfo_VModelStatus.NOT_FOUND, activeModelId: "" });
    const empty = await failure(h.management.getVModelStatus({ vModelId: "" }));
    expect(empty).toMatchObject({ code: Code.InvalidArgument, rawMessage: "Must provide vModelId" });
  });
});
