import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { Code } from "@connectrpc/connect";
import { modelHeader, startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectCode, MiB, Status, sizedModel, statusOf } from "../support.js";

// The limits the gateway documents (packages/server/src/service/request-limits.ts).
const ID_LIMIT = 1024;
const TYPE_LIMIT = 1024;
const PATH_LIMIT = 16 * 1024;
const KEY_LIMIT = 64 * 1024;
const MODELS_PER_CALL_LIMIT = 256;

/** Total size of the files under `dir`, bytes. */
function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? folderBytes(path) : statSync(path).size;
  }
  return total;
}

afterAll(stopAllProcesses);

// Ids, paths and keys are bounded: an oversized field is refused with INVALID_ARGUMENT naming the
// field, its size and the limit, before anything is stored, so one call cannot put megabytes in
// the registry (kept in memory by every instance and written with every copy change).
describe("request size limits", () => {
  let mesh: TestMesh;
  beforeAll(async () => {
    mesh = await startMesh();
  });
  afterAll(async () => {
    expect(await mesh.stop()).toBe(0);
  });

  const register = (modelId: string, modelInfo: { type?: string; path?: string; key?: string }) =>
    mesh.management.registerModel(
      { modelId, modelInfo: { type: "DUMMY", ...modelInfo } },
      { timeoutMs: 30_000 },
    );

  it("refuses a 10 MiB path and a 1 MiB model id, and stores nothing", async () => {
    const hugePath = await expectCode(
      register("rl-huge-path", { path: "p".repeat(10 * MiB) }),
      Code.InvalidArgument,
    );
    expect(hugePath.rawMessage).toBe(
      `modelInfo.path is ${10 * MiB} bytes, more than the limit of ${PATH_LIMIT} bytes`,
    );
    const hugeId = await expectCode(register("i".repeat(MiB), { path: "x" }), Code.InvalidArgument);
    expect(hugeId.rawMessage).toBe(`modelId is ${MiB} bytes, more than the limit of ${ID_LIMIT} bytes`);
    expect(Status[await statusOf(mesh, "rl-huge-path")]).toBe("NOT_FOUND");
    // A normal registration after the refused ones: the store holds only it.
    await register("rl-small", { path: sizedModel(1024, 0, 0) });
    expect(Status[await statusOf(mesh, "rl-small")]).toBe("NOT_LOADED");
    expect(folderBytes(mesh.dataDir ?? "")).toBeLessThan(MiB);
  });

  it("refuses oversized type and key, counting UTF-8 bytes", async () => {
    const type = await expectCode(
      register("rl-type", { type: "t".repeat(TYPE_LIMIT + 1) }),
      Code.InvalidArgument,
    );
    expect(type.rawMessage).toBe(
      `modelInfo.type is ${TYPE_LIMIT + 1} bytes, more than the limit of ${TYPE_LIMIT} bytes`,
    );
    const key = await expectCode(
      register("rl-key", { key: "k".repeat(KEY_LIMIT + 1) }),
      Code.InvalidArgument,
    );
    expect(key.rawMessage).toBe(
      `modelInfo.key is ${KEY_LIMIT + 1} bytes, more than the limit of ${KEY_LIMIT} bytes`,
    );
    // "é" is two bytes in UTF-8: 513 of them are 1026 bytes, over the id limit in 513 characters.
    const wide = await expectCode(register("é".repeat(513), { path: "x" }), Code.InvalidArgument);
    expect(wide.rawMessage).toBe(`modelId is 1026 bytes, more than the limit of ${ID_LIMIT} bytes`);
    for (const id of ["rl-type", "rl-key"]) expect(Status[await statusOf(mesh, id)]).toBe("NOT_FOUND");
  });

  it("accepts fields exactly at the limits", async () => {
    const id = "é".repeat(ID_LIMIT / 2);
    const json = JSON.stringify({ storage_key: "s", bucket: "b", pad: "x".repeat(KEY_LIMIT - 60) });
    const key = json + " ".repeat(KEY_LIMIT - Buffer.byteLength(json));
    await register(id, { type: "t".repeat(TYPE_LIMIT), path: "p".repeat(PATH_LIMIT), key });
    expect(Status[await statusOf(mesh, id)]).toBe("NOT_LOADED");
  });

  it("refuses oversized ids in getModelStatus and ensureLoaded, also over Connect JSON", async () => {
    const long = "g".repeat(ID_LIMIT + 1);
    await expectCode(mesh.management.getModelStatus({ modelId: long }), Code.InvalidArgument);
    await expectCode(mesh.management.ensureLoaded({ modelId: long }), Code.InvalidArgument);
    const json = await mesh.connectJson("registerModel", {
      modelId: "rl-json",
      modelInfo: { type: "DUMMY", path: "q".repeat(PATH_LIMIT + 1) },
    });
    expect(json.status).toBe(400);
    expect(json.body).toMatchObject({ code: "invalid_argument" });
    expect(Status[await statusOf(mesh, "rl-json")]).toBe("NOT_FOUND");
  });

  it("refuses oversized vmodel requests before reading the store", async () => {
    const long = "v".repeat(ID_LIMIT + 1);
    const set = await expectCode(
      mesh.management.setVModel({ vModelId: long, targetModelId: "t", modelInfo: { type: "DUMMY" } }),
      Code.InvalidArgument,
    );
    expect(set.rawMessage).toBe(
      `vModelId is ${ID_LIMIT + 1} bytes, more than the limit of ${ID_LIMIT} bytes`,
    );
    await expectCode(
      mesh.management.setVModel({ vModelId: "vm", targetModelId: long }),
      Code.InvalidArgument,
    );
    await expectCode(mesh.management.getVModelStatus({ vModelId: "vm", owner: long }), Code.InvalidArgument);
    // A valid request of the same shape is answered: the refusal came from the limits.
    const absent = await mesh.management.getVModelStatus({ vModelId: "vm" });
    expect(absent).toMatchObject({ activeModelId: "", targetModelId: "" });
  });

  it("refuses oversized or too many ids in inference headers", async () => {
    const predictWith = (headers: Record<string, string>) =>
      mesh.predictor.predict({ text: "x" }, { headers, timeoutMs: 30_000 });
    const model = await expectCode(predictWith(modelHeader("m".repeat(ID_LIMIT + 1))), Code.InvalidArgument);
    expect(model.rawMessage).toBe(
      `mm-model-id header is ${ID_LIMIT + 1} bytes, more than the limit of ${ID_LIMIT} bytes`,
    );
    const vmodel = await expectCode(
      predictWith({ "mm-vmodel-id": "v".repeat(ID_LIMIT + 1) }),
      Code.InvalidArgument,
    );
    expect(vmodel.rawMessage).toMatch(/^mm-vmodel-id header is 1025 bytes/);
    const bin = Buffer.from("b".repeat(ID_LIMIT + 1)).toString("base64");
    await expectCode(predictWith({ "mm-model-id-bin": bin }), Code.InvalidArgument);
    // Several ids in one -bin header, comma-separated (as gRPC joins repeated binary values).
    const many = Array.from({ length: MODELS_PER_CALL_LIMIT + 1 }, (_, i) =>
      Buffer.from(`rl-many-${i}`).toString("base64"),
    );
    const tooMany = await expectCode(
      predictWith({ "mm-model-id-bin": many.join(",") }),
      Code.InvalidArgument,
    );
    expect(tooMany.rawMessage).toBe(
      `mm-model-id header names ${MODELS_PER_CALL_LIMIT + 1} models, more than the limit of ${MODELS_PER_CALL_LIMIT}`,
    );
    expect(mesh.gateway.hasExited()).toBe(false);
  });
});
