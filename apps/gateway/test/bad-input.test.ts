import { Code } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import { modelHeader, startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectCode, sizedModel } from "./support.js";

const maxMessageBytes = 64 * 1024;

/** Sends raw bytes as one unary gRPC call with grpc-js; resolves with the status. */
function rawUnary(
  mesh: TestMesh,
  path: string,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<{ code: number; details: string }> {
  const client = new grpc.Client(`127.0.0.1:${mesh.port}`, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  for (const [k, v] of Object.entries(headers)) metadata.set(k, v);
  const identity = (b: Buffer) => b;
  return new Promise((resolve) => {
    client.makeUnaryRequest(path, identity, identity, body, metadata, (error) => {
      client.close();
      resolve(error ? { code: error.code, details: error.details } : { code: 0, details: "" });
    });
  });
}

afterAll(stopAllProcesses);

describe("bad input", () => {
  let mesh: TestMesh;
  const modelId = "bad-input-model";
  beforeAll(async () => {
    mesh = await startMesh({ env: { MM_SVC_GRPC_MAX_MSG_SIZE: String(maxMessageBytes) } });
    await mesh.management.registerModel({
      modelId,
      modelInfo: { type: "ExampleType", path: sizedModel(1024, 0, 0) },
      loadNow: true,
      sync: true,
    });
  });
  afterAll(async () => {
    expect(await mesh.stop()).toBe(0);
  });

  const predictWith = (headers: Record<string, string>, text = "hello") =>
    mesh.predictor.predict({ text }, { headers });

  it("rejects malformed protobuf in management calls (gRPC: INTERNAL, as the original)", async () => {
    // A field tag with wire type 7 (there is none) and a truncated varint. grpc-java answered
    // INTERNAL "Invalid protobuf byte sequence"; the code is the same here, the text is Connect's.
    const status = await rawUnary(mesh, "/mmesh.ModelMesh/registerModel", Buffer.from([0x0f, 0xff, 0xff]));
    expect(grpc.status[status.code], status.details).toBe("INTERNAL");
    expect(decodeURIComponent(status.details)).toMatch(/^parse binary: illegal tag/);
    const json = await fetch(`${mesh.baseUrl}/mmesh.ModelMesh/getModelStatus`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ code: "invalid_argument" });
  });

  it("validates management requests with the original's messages", async () => {
    const noId = await expectCode(
      mesh.management.registerModel({ modelId: "", modelInfo: { type: "ExampleType" } }),
      Code.InvalidArgument,
    );
    expect(noId.rawMessage).toBe("must provide non-empty modelId");
    const noType = await expectCode(
      mesh.management.registerModel({ modelId: "typeless", modelInfo: { path: "x" } }),
      Code.InvalidArgument,
    );
    expect(noType.rawMessage).toBe("Must provide non-empty model type string");
  });

  it.each([
    ["no id header", {}, "must include mm-model-id header"],
    [
      "both model and vmodel ids",
      { "mm-model-id": modelId, "mm-vmodel-id": "v1" },
      "must include only one of model id and vmodel id",
    ],
    ["an empty model id", { "mm-model-id": "" }, "provided model-id header must be non-empty"],
    ["an empty vmodel id", { "mm-vmodel-id": "" }, "provided vmodel-id header must be non-empty"],
  ])("rejects an inference call with %s: INVALID_ARGUMENT", async (_what, headers, message) => {
    const error = await expectCode(predictWith(headers), Code.InvalidArgument);
    expect(error.rawMessage).toBe(message);
  });

  it("explains that inference needs HTTP/2 when called over HTTP/1.1", async () => {
    const response = await fetch(`${mesh.baseUrl}/mmesh.ExamplePredictor/predict`, {
      method: "POST",
      headers: { "content-type": "application/json", ...modelHeader(modelId) },
      body: JSON.stringify({ text: "hello" }),
    });
    expect(response.status).toBe(501);
    expect(await response.json()).toMatchObject({
      code: "unimplemented",
      message: expect.stringContaining("inference calls need HTTP/2"),
    });
  });

  it("answers NOT_FOUND for an unknown model", async () => {
    const error = await expectCode(predictWith(modelHeader("no-such-model")), Code.NotFound);
    expect(error.rawMessage).toBe("model not found");
  });

  it("refuses messages over MM_SVC_GRPC_MAX_MSG_SIZE with RESOURCE_EXHAUSTED", async () => {
    const big = "x".repeat(maxMessageBytes + 1024);
    await expectCode(predictWith(modelHeader(modelId), big), Code.ResourceExhausted);
    await expectCode(mesh.management.getModelStatus({ modelId: big }), Code.ResourceExhausted);
    // Still serving afterwards.
    const ok = await predictWith(modelHeader(modelId));
    expect(ok.results[0]?.category).toBe(`classification for hello by model ${modelId}`);
  });
});
