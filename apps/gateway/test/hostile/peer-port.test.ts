import * as http2 from "node:http2";
import { create, type DescMessage, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  HopType,
  LoadModelRequestSchema,
  MeshPeerService,
  PredictRequestSchema,
  RuntimeStatusRequestSchema,
  UnloadModelRequestSchema,
} from "@modelmesh/proto";
import { modelHeader, startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectCode, registerLoaded, Status, sizedModel, statusOf } from "../support.js";

/** What a raw call to the peer port answered. */
interface RawAnswer {
  readonly code: number;
  readonly message: string;
  readonly body: Buffer;
}

/** One message with the gRPC length prefix. */
function frame(message: Uint8Array): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

function encode<T extends DescMessage>(schema: T, init: MessageInitShape<T>): Buffer {
  return frame(toBinary(schema, create(schema, init)));
}

function headerText(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(",") : (value ?? "");
}

/**
 * One gRPC call on a raw HTTP/2 connection to `port`, with exactly the `:path` and headers
 * given (a client library would normalise them): the attacker's view of the peer port.
 */
function rawCall(
  port: number,
  path: string,
  body: Buffer,
  headers: Record<string, string>,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const fail = (error: Error) => {
      session.destroy();
      reject(error);
    };
    session.on("error", fail);
    const timer = setTimeout(() => fail(new Error(`no answer to ${path} within 30 s`)), 30_000);
    const stream = session.request({
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc",
      te: "trailers",
      ...headers,
    });
    stream.on("error", fail);
    let status: { code: number; message: string } | undefined;
    const readStatus = (fields: http2.IncomingHttpHeaders) => {
      const code = fields["grpc-status"];
      if (code === undefined) return;
      status = { code: Number(code), message: decodeURIComponent(headerText(fields["grpc-message"])) };
    };
    const chunks: Buffer[] = [];
    stream.on("response", readStatus);
    stream.on("trailers", readStatus);
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("close", () => {
      clearTimeout(timer);
      session.close();
      if (status === undefined) reject(new Error(`${path}: no grpc-status (rst ${stream.rstCode})`));
      else resolve({ ...status, body: Buffer.concat(chunks) });
    });
    stream.end(body);
  });
}

/** The routing-context headers of a forwarded call that a mesh peer would send. */
function hitOnly(modelId: string, extra: Record<string, string> = {}): Record<string, string> {
  return { "mm-internal-model-id": encodeURIComponent(modelId), "mm-internal-hop": "hit_only", ...extra };
}

const UNIMPLEMENTED = 12;
const INVALID_ARGUMENT = 3;

afterAll(stopAllProcesses);

// The internal peer port takes calls from anyone who can reach it. It must serve only the peer
// protocol: its status operation and forwarded inference calls for methods the serving port would
// forward too. Runtime management methods never reach the runtime, the routing hints are bounded,
// and the runtime's own words about a model nobody asked for never come back.
describe("hostile peer-port callers", () => {
  let mesh: TestMesh;
  const loaded = ["pp-a", "pp-b"];
  const idle = "pp-idle";
  const loadStartsAtSetup = new Map<string, number>();

  beforeAll(async () => {
    // The runtime allows `predict` only (as runtimes that list their methods do): the serving
    // port refuses other methods, and so must the peer port.
    mesh = await startMesh({ runtime: { env: { RS_METHOD_INFOS: "mmesh.ExamplePredictor/predict=" } } });
    for (const id of loaded) await registerLoaded(mesh, id);
    await mesh.management.registerModel({
      modelId: idle,
      modelInfo: { type: "DUMMY", path: sizedModel(1024, 0, 0) },
    });
    const runtime = mesh.runtime;
    if (runtime === undefined) throw new Error("no runtime");
    await runtime.syncEvents();
    for (const id of [...loaded, idle])
      loadStartsAtSetup.set(id, runtime.events("load-started").filter((e) => e.modelId === id).length);
  });
  afterAll(async () => {
    expect(await mesh.stop()).toBe(0);
  });

  const runtimeEvents = async (event: string) => {
    const runtime = mesh.runtime;
    if (runtime === undefined) throw new Error("no runtime");
    await runtime.syncEvents();
    return runtime.events(event);
  };
  const peerPort = () => mesh.internalPort;
  const peerStatus = () =>
    createClient(MeshPeerService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${peerPort()}` }));

  it("refuses mmesh.ModelRuntime/unloadModel, in every spelling of the path", async () => {
    const body = encode(UnloadModelRequestSchema, { modelId: "pp-a" });
    for (const path of [
      "/mmesh.ModelRuntime/unloadModel",
      "//mmesh.ModelRuntime/unloadModel",
      "/mmesh.ModelRuntime/unloadModel/",
      "/mmesh.ModelRuntime/unloadModel?x=1",
      "/mmesh.ModelRuntime%2FunloadModel",
    ]) {
      const answer = await rawCall(peerPort(), path, body, hitOnly("pp-a"));
      expect(answer.code, `${path}: ${answer.message}`).toBe(UNIMPLEMENTED);
    }
    expect(await runtimeEvents("model-unloaded")).toEqual([]);
  });

  it("refuses mmesh.ModelRuntime/runtimeStatus: the runtime does not purge its models", async () => {
    const answer = await rawCall(
      peerPort(),
      "/mmesh.ModelRuntime/runtimeStatus",
      encode(RuntimeStatusRequestSchema, {}),
      hitOnly("pp-b"),
    );
    expect(answer.code, answer.message).toBe(UNIMPLEMENTED);
    expect(await runtimeEvents("models-purged")).toEqual([]);
  });

  it("refuses mmesh.ModelRuntime/loadModel of /etc/passwd and says nothing of the file", async () => {
    const answer = await rawCall(
      peerPort(),
      "/mmesh.ModelRuntime/loadModel",
      encode(LoadModelRequestSchema, { modelId: "pp-evil", modelPath: "/etc/passwd", modelType: "x" }),
      hitOnly("pp-a"),
    );
    expect(answer.code, answer.message).toBe(UNIMPLEMENTED);
    expect(answer.message).not.toMatch(/root|passwd|JSON/);
    expect((await runtimeEvents("load-started")).filter((e) => e.modelId === "pp-evil")).toEqual([]);
  });

  it("bounds the routing hints of ensure-loaded (INVALID_ARGUMENT), and loads nothing", async () => {
    const context = {
      modelId: idle,
      hop: HopType.LOAD_LOCAL_ONLY,
      cacheHitExcludes: [],
      cacheMissExcludes: [],
    };
    const attempts = [
      { ...context, chainLoadCount: 2_000_000_000 },
      { ...context, knownSizeUnits: 2n ** 60n },
      { ...context, weight: 4_000_000_000 },
      { ...context, cacheMissExcludes: ["x".repeat(64 * 1024)] },
      { ...context, destinationInstanceId: "y".repeat(64 * 1024) },
      { ...context, modelId: "z".repeat(64 * 1024) },
    ];
    for (const attempt of attempts) {
      await expectCode(
        peerStatus().modelStatus({ context: attempt, load: true, sync: true }, { timeoutMs: 30_000 }),
        Code.InvalidArgument,
      );
    }
    await expectCode(
      peerStatus().modelStatus(
        { context, load: true, sync: true, excludeInstances: ["w".repeat(64 * 1024)] },
        { timeoutMs: 30_000 },
      ),
      Code.InvalidArgument,
    );
    expect(Status[await statusOf(mesh, idle)]).toBe("NOT_LOADED");
    const starts = (await runtimeEvents("load-started")).filter((e) => e.modelId === idle);
    expect(starts.length).toBe(loadStartsAtSetup.get(idle));
  });

  it("bounds the routing hints of forwarded calls (INVALID_ARGUMENT)", async () => {
    const body = encode(PredictRequestSchema, { text: "hint" });
    const path = "/mmesh.ExamplePredictor/predict";
    for (const extra of [
      { "mm-internal-chain-count": "2000000000" },
      { "mm-internal-known-size": String(2 ** 52) },
      { "mm-internal-weight": "4000000000" },
      { "mm-internal-exclude-miss": "m".repeat(8 * 1024) },
      { "mm-internal-exclude-hit": `${"h".repeat(8 * 1024)}:1` },
      { "mm-internal-dest": "d".repeat(8 * 1024) },
      { "mm-internal-vmodel-id": "v".repeat(8 * 1024) },
    ]) {
      const answer = await rawCall(peerPort(), path, body, hitOnly("pp-a", extra));
      expect(answer.code, `${Object.keys(extra)[0]}: ${answer.message}`).toBe(INVALID_ARGUMENT);
    }
    const longId = await rawCall(peerPort(), path, body, hitOnly("i".repeat(8 * 1024)));
    expect(longId.code, longId.message).toBe(INVALID_ARGUMENT);
  });

  it("refuses what the runtime's method list leaves out, as the serving port does", async () => {
    const body = encode(PredictRequestSchema, { text: "unlisted" });
    const serving = await rawCall(
      mesh.port,
      "/mmesh.ExamplePredictor/multiPredict",
      body,
      modelHeader("pp-a"),
    );
    expect(serving.code, serving.message).toBe(UNIMPLEMENTED);
    const peer = await rawCall(peerPort(), "/mmesh.ExamplePredictor/multiPredict", body, hitOnly("pp-a"));
    expect(peer.code, peer.message).toBe(UNIMPLEMENTED);
    expect(peer.message).toBe("Method not found or not permitted: mmesh.ExamplePredictor/multiPredict");
  });

  it("gives a model's load error only to a peer asking about that model, cut to a bounded length", async () => {
    const failing = "pp-fail";
    const secret = `secret-${"s".repeat(10_000)}`;
    await mesh.management.registerModel(
      { modelId: failing, modelInfo: { type: "DUMMY", path: `FAIL_${secret}` }, loadNow: true },
      { timeoutMs: 30_000 },
    );
    await waitUntil(async () => Status[await statusOf(mesh, failing)] === "LOADING_FAILED", {
      timeoutMs: 30_000,
      description: `${failing} LOADING_FAILED`,
    });
    // The copy here failed: the status operation answers with the load failure, as an error.
    const asked = await expectCode(
      peerStatus().modelStatus(
        { context: { modelId: failing, hop: HopType.HIT_ONLY, cacheHitExcludes: [], cacheMissExcludes: [] } },
        { timeoutMs: 30_000 },
      ),
      Code.Internal,
    );
    expect(asked.rawMessage).toContain("secret-sss");
    expect(asked.rawMessage.length).toBeLessThan(2200);
    for (const error of (await mesh.management.getModelStatus({ modelId: failing })).errors)
      expect(error.length).toBeLessThan(2200);
    const other = await rawCall(
      peerPort(),
      "/mmesh.ExamplePredictor/predict",
      encode(PredictRequestSchema, { text: "other" }),
      hitOnly("pp-a"),
    );
    expect(other.code, other.message).toBe(0);
    expect(`${other.message}${other.body.toString("latin1")}`).not.toContain("secret-");
  });

  it("still serves the peer protocol: forwarded inference and status", async () => {
    const answer = await rawCall(
      peerPort(),
      "/mmesh.ExamplePredictor/predict",
      encode(PredictRequestSchema, { text: "through the peer port" }),
      hitOnly("pp-a"),
    );
    expect(answer.code, answer.message).toBe(0);
    expect(answer.body.toString("utf8")).toContain("classification for through the peer port by model pp-a");
    const status = await peerStatus().modelStatus(
      {
        context: { modelId: "pp-b", hop: HopType.HIT_ONLY, cacheHitExcludes: [], cacheMissExcludes: [] },
        load: false,
      },
      { timeoutMs: 30_000 },
    );
    expect(status.instanceId).toBe(mesh.instanceId);
  });

  it("leaves the runtime as it was: the process lives and every model is served without a reload", async () => {
    expect(mesh.gateway.hasExited()).toBe(false);
    for (const id of loaded) {
      const response = await mesh.predictor.predict(
        { text: "after" },
        { headers: modelHeader(id), timeoutMs: 30_000 },
      );
      expect(response.results[0]?.category).toBe(`classification for after by model ${id}`);
      expect(Status[await statusOf(mesh, id)]).toBe("LOADED");
    }
    const starts = await runtimeEvents("load-started");
    for (const id of loaded)
      expect(starts.filter((e) => e.modelId === id).length, id).toBe(loadStartsAtSetup.get(id));
    expect(await runtimeEvents("model-unloaded")).toEqual([]);
    expect(await runtimeEvents("models-purged")).toEqual([]);
    expect(await mesh.probe()).toBe(200);
  });
});
