import { readFileSync } from "node:fs";
import { create, type DescMessage, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { type Client, Code, createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import {
  GRPCInferenceService,
  ModelMetadataRequestSchema,
  ModelMetadataResponseSchema,
  ServerMetadataRequestSchema,
  ServerMetadataResponseSchema,
  ServerReadyRequestSchema,
  ServerReadyResponseSchema,
} from "@modelmesh/proto";
import { modelHeader, startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectCode, registerLoaded, Status, statusOf } from "./support.js";

afterAll(stopAllProcesses);

const SERVICE = "inference.GRPCInferenceService";

/** The dataplane config ModelMesh Serving gives KServe V2 runtimes: the model is field 1 (`name` / `model_name`). */
const KSERVE_DATAPLANE = {
  rpcConfigs: {
    [`${SERVICE}/ModelInfer`]: { idExtractionPath: [1] },
    [`${SERVICE}/ModelMetadata`]: { idExtractionPath: [1] },
    [`${SERVICE}/ModelReady`]: { idExtractionPath: [1] },
  },
  allowOtherRpcs: true,
};

/** The version the server package declares, which `ServerMetadata` reports without `SERVICE_VERSION`. */
const SERVER_PACKAGE_VERSION = (
  JSON.parse(readFileSync(new URL("../../../packages/server/package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

/** One unary call through @grpc/grpc-js (the client most gRPC users have), with protobuf-es messages. */
function grpcJsCall<I extends DescMessage, O extends DescMessage>(
  mesh: TestMesh,
  call: { method: string; input: I; output: O; request: MessageInitShape<I> },
): Promise<ReturnType<typeof fromBinary<O>>> {
  const client = new grpc.Client(`127.0.0.1:${mesh.port}`, grpc.credentials.createInsecure());
  const body = Buffer.from(toBinary(call.input, create(call.input, call.request)));
  const identity = (bytes: Buffer) => bytes;
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      `/${SERVICE}/${call.method}`,
      identity,
      identity,
      body,
      new grpc.Metadata(),
      { deadline: Date.now() + 30_000 },
      (error, response) => {
        client.close();
        if (error || response === undefined) reject(error ?? new Error("no response"));
        else resolve(fromBinary(call.output, response));
      },
    );
  });
}

/** A Connect JSON call over HTTP/1.1 (plain fetch) to a method of the KServe V2 service. */
async function connectJson(mesh: TestMesh, method: string, body: unknown) {
  const response = await fetch(`${mesh.baseUrl}/${SERVICE}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : (JSON.parse(text) as unknown) };
}

/** `ServerReady` over gRPC, or the error's message. */
function serverReady(kserve: Client<typeof GRPCInferenceService>): Promise<boolean | string> {
  return kserve.serverReady({}, { timeoutMs: 5000 }).then(
    (r) => r.ready,
    (error: unknown) => String(error),
  );
}

// KServe V2 through the mesh: the server-level calls are answered by the mesh itself with no
// model id, the model-level calls are routed by the model named in the request like inference.
describe("KServe V2 inference.GRPCInferenceService", () => {
  let mesh: TestMesh;
  let kserve: Client<typeof GRPCInferenceService>;

  beforeAll(async () => {
    mesh = await startMesh({
      env: {
        MM_DATAPLANE_CONFIG: JSON.stringify(KSERVE_DATAPLANE),
        SERVICE_VERSION: "7.1.0-20250102-3",
        MM_RUNTIME_HEALTH_CHECK_INTERVAL_MS: "300",
      },
    });
    kserve = createClient(GRPCInferenceService, mesh.transport);
    for (const modelId of ["kv-a", "kv-b"]) await registerLoaded(mesh, modelId);
  }, 120_000);
  afterAll(async () => {
    expect(await mesh?.stop()).toBe(0);
  });

  it("answers ServerLive, ServerReady and ServerMetadata itself over gRPC, with no model id", async () => {
    expect((await kserve.serverLive({})).live).toBe(true);
    expect((await kserve.serverReady({})).ready).toBe(true);
    const metadata = await kserve.serverMetadata({});
    // The runtime would answer "modelmesh-example-runtime": these never reach it.
    expect({ name: metadata.name, version: metadata.version, extensions: metadata.extensions }).toEqual({
      name: "modelmesh",
      version: "7.1.0-20250102-3",
      extensions: [],
    });
  });

  it("answers the server-level calls to a grpc-js client", async () => {
    const ready = await grpcJsCall(mesh, {
      method: "ServerReady",
      input: ServerReadyRequestSchema,
      output: ServerReadyResponseSchema,
      request: {},
    });
    expect(ready.ready).toBe(true);
    const metadata = await grpcJsCall(mesh, {
      method: "ServerMetadata",
      input: ServerMetadataRequestSchema,
      output: ServerMetadataResponseSchema,
      request: {},
    });
    expect([metadata.name, metadata.version]).toEqual(["modelmesh", "7.1.0-20250102-3"]);
  });

  it("answers the server-level calls with Connect JSON over HTTP/1.1 and with gRPC-Web", async () => {
    expect(await connectJson(mesh, "ServerMetadata", {})).toEqual({
      status: 200,
      body: { name: "modelmesh", version: "7.1.0-20250102-3" },
    });
    expect(await connectJson(mesh, "ServerLive", {})).toEqual({ status: 200, body: { live: true } });
    expect(await connectJson(mesh, "ServerReady", {})).toEqual({ status: 200, body: { ready: true } });
    const web = createClient(
      GRPCInferenceService,
      createGrpcWebTransport({ baseUrl: mesh.baseUrl, httpVersion: "1.1" }),
    );
    expect((await web.serverReady({})).ready).toBe(true);
    // Model-level calls are not the mesh's own: they reach the inference pass-through, which needs HTTP/2.
    const modelCall = await connectJson(mesh, "ModelMetadata", { name: "kv-a" });
    expect(modelCall.status).toBe(501);
    expect(modelCall.body).toMatchObject({ code: "unimplemented" });
  });

  it("routes ModelMetadata by the model in `name`, ahead of the header; an empty name falls back to the header", async () => {
    const byName = await kserve.modelMetadata({ name: "kv-a" });
    expect({ name: byName.name, platform: byName.platform }).toEqual({
      name: "kv-a",
      platform: "example-runtime/echo",
    });
    expect(byName.inputs.map((t) => [t.name, t.datatype])).toEqual([["input", "BYTES"]]);
    const nameWins = await kserve.modelMetadata({ name: "kv-a" }, { headers: modelHeader("kv-b") });
    expect(nameWins.name).toBe("kv-a");
    const byHeader = await kserve.modelMetadata({ name: "" }, { headers: modelHeader("kv-b") });
    expect(byHeader.name).toBe("kv-b");
    const viaGrpcJs = await grpcJsCall(mesh, {
      method: "ModelMetadata",
      input: ModelMetadataRequestSchema,
      output: ModelMetadataResponseSchema,
      request: { name: "kv-b" },
    });
    expect(viaGrpcJs.name).toBe("kv-b");
    const unknown = await expectCode(kserve.modelMetadata({ name: "kv-nope" }), Code.NotFound);
    expect(unknown.rawMessage).toBe("model not found");
  });

  it("routes ModelReady by the model in `name`, loading a registered model that is not loaded yet", async () => {
    expect((await kserve.modelReady({ name: "kv-a" })).ready).toBe(true);
    await mesh.management.registerModel({
      modelId: "kv-lazy",
      modelInfo: { type: "DUMMY", path: "SIZE_1048576_0_0" },
    });
    expect(Status[await statusOf(mesh, "kv-lazy")]).toBe("NOT_LOADED");
    expect((await kserve.modelReady({ name: "kv-lazy" }, { timeoutMs: 20_000 })).ready).toBe(true);
    expect(Status[await statusOf(mesh, "kv-lazy")]).toBe("LOADED");
    await expectCode(kserve.modelReady({ name: "kv-nope" }), Code.NotFound);
    const noId = await expectCode(kserve.modelReady({ name: "" }), Code.InvalidArgument);
    expect(noId.rawMessage).toBe("must include mm-model-id header");
  });

  it("routes ModelInfer by the model in `model_name`", async () => {
    const request = {
      modelName: "kv-b",
      id: "req-1",
      inputs: [{ name: "input", datatype: "INT32", shape: [3n], contents: { intContents: [1, 2, 3] } }],
    };
    const response = await kserve.modelInfer(request, { headers: modelHeader("kv-a") });
    expect({ modelName: response.modelName, id: response.id }).toEqual({ modelName: "kv-b", id: "req-1" });
    expect(response.outputs.map((t) => [t.name, t.contents?.intContents])).toEqual([["input", [1, 2, 3]]]);
  });

  it("answers ServerReady false, as /ready does, while the runtime is frozen; ServerLive stays true", async () => {
    const pid = mesh.runtime?.process.pid;
    if (pid === undefined) throw new Error("the mesh has no runtime");
    process.kill(pid, "SIGSTOP");
    try {
      await waitUntil(async () => (await serverReady(kserve)) === false, {
        timeoutMs: 15_000,
        intervalMs: 50,
        description: "ServerReady false while the runtime is frozen",
      });
      expect(await mesh.probe("/ready")).toBe(503);
      expect((await kserve.serverLive({})).live).toBe(true);
    } finally {
      process.kill(pid, "SIGCONT");
    }
    await waitUntil(async () => (await serverReady(kserve)) === true, {
      timeoutMs: 15_000,
      intervalMs: 50,
      description: "ServerReady true once the runtime runs again",
    });
    expect(await mesh.probe("/ready")).toBe(200);
  });
});

describe("KServe V2 server-level calls during a graceful stop", () => {
  it("ServerReady turns false after SIGTERM while open connections are still served; ServerMetadata reports the package version", async () => {
    const mesh = await startMesh({ env: { MM_SHUTDOWN_READINESS_GRACE_MS: "5000" } });
    const kserve = createClient(GRPCInferenceService, mesh.transport);
    // Without SERVICE_VERSION, the server package's own version.
    expect((await kserve.serverMetadata({})).version).toBe(SERVER_PACKAGE_VERSION);
    // This call also opens the HTTP/2 connection the calls below reuse while the port lingers.
    expect((await kserve.serverReady({})).ready).toBe(true);
    mesh.gateway.child.kill("SIGTERM");
    await waitUntil(async () => (await serverReady(kserve)) === false, {
      timeoutMs: 10_000,
      intervalMs: 50,
      description: "ServerReady false after SIGTERM",
    });
    expect((await kserve.serverLive({})).live).toBe(true);
    expect(await mesh.probe("/ready")).not.toBe(200);
    expect(await mesh.gateway.exited).toBe(0);
    await mesh.stop();
  });
});
