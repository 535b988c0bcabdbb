import { createServer as createHttp1Server, request as http1Request } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { AddressInfo } from "node:net";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { modelRecordCodec } from "@modelmesh/core";
import {
  ModelStatusInfo_ModelStatus,
  MultiPredictResponseSchema,
  PredictRequestSchema,
  PredictResponseSchema,
} from "@modelmesh/proto";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failure, type MeshHarness, modelHeaders, startMesh } from "./mesh-harness.js";
import { frame, rawGrpcCall } from "./raw-grpc.js";

const MAX_MESSAGE_BYTES = 64 * 1024;

function predictFrame(text: string): Buffer {
  return frame(toBinary(PredictRequestSchema, create(PredictRequestSchema, { text })));
}

describe("inference through the mesh", () => {
  let h: MeshHarness;
  const register = (modelId: string, path = "sentiment") =>
    h.management.registerModel({ modelId, modelInfo: { type: "example", path } });
  beforeAll(async () => {
    h = await startMesh({ maxMessageBytes: MAX_MESSAGE_BYTES });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("loads a model on the first call and serves hits after", async () => {
    await register("sent-1");
    const first = await h.predictor.predict({ text: "I love it" }, { headers: modelHeaders("sent-1") });
    expect(first.results[1]?.category).toBe("sent-1");
    const status = await h.management.getModelStatus({ modelId: "sent-1" });
    expect(status.status).toBe(ModelStatusInfo_ModelStatus.LOADED);
    const second = await h.predictor.predict({ text: "awful" }, { headers: modelHeaders("sent-1") });
    expect(second.results[1]?.category).toBe("sent-1");
    expect(h.runtime.events("load-started").filter((e) => e.modelId === "sent-1")).toHaveLength(1);
  });

  it("loads once for concurrent first calls", async () => {
    await register("conc-1", "SIZE_2000000_300_0");
    const calls = Array.from({ length: 8 }, () =>
      h.predictor.predict({ text: "hello" }, { headers: modelHeaders("conc-1") }),
    );
    const answers = await Promise.all(calls);
    for (const answer of answers) expect(answer.results.some((r) => r.category === "conc-1")).toBe(true);
    expect(h.runtime.events("load-started").filter((e) => e.modelId === "conc-1")).toHaveLength(1);
  });

  // SIZE_ models answer loadModel with size 0, so the mesh measures them with modelSize (§4.3).
  const loadedToSizedMs = async (modelId: string) => {
    const sized = await h.runtime.waitForEvent("model-size", (e) => e.modelId === modelId);
    const loaded = h.runtime.events("model-loaded").find((e) => e.modelId === modelId);
    return Date.parse(String(sized.time)) - Date.parse(String(loaded?.time));
  };

  it("sizes a new copy after the calls that waited for its load are answered", async () => {
    await register("size-after-1", "SIZE_1000_0_0");
    await h.predictor.predict({ text: "test:delay:400" }, { headers: modelHeaders("size-after-1") });
    // The waiting call held the copy for 400 ms after the load; sizing came after it.
    expect(await loadedToSizedMs("size-after-1")).toBeGreaterThanOrEqual(350);
  });

  it("sizes a new copy within a second even while its first call still runs", async () => {
    await register("size-after-2", "SIZE_1000_0_0");
    await h.predictor.predict({ text: "test:delay:2500" }, { headers: modelHeaders("size-after-2") });
    const waited = await loadedToSizedMs("size-after-2");
    expect(waited).toBeGreaterThanOrEqual(900);
    expect(waited).toBeLessThan(2300);
  });

  it("reloads transparently when the runtime lost the model (NOT_FOUND)", async () => {
    await register("purge-1");
    await h.predictor.predict({ text: "fine" }, { headers: modelHeaders("purge-1") });
    await h.predictor.predict({ text: "test:purge-models" }, { headers: modelHeaders("purge-1") });
    const after = await h.predictor.predict({ text: "fine" }, { headers: modelHeaders("purge-1") });
    expect(after.results[1]?.category).toBe("purge-1");
    expect(h.runtime.events("load-started").filter((e) => e.modelId === "purge-1")).toHaveLength(2);
    const stored = await h.store.table("registry", modelRecordCodec).get("purge-1");
    expect(Object.keys(stored?.value.instanceIds ?? {})).toEqual(["test-instance"]);
  });

  it("sends a multi-model request to every model and merges the answers", async () => {
    const ids = ["multi-1", "multi-2", "multi-3"];
    for (const id of ids) await register(id);
    // Several values of one header travel as separate header fields, as gRPC clients send metadata.
    const multi = (models: string[], extra: Record<string, string> = {}) =>
      rawGrpcCall({
        port: h.port,
        path: "/mmesh.ExamplePredictor/multiPredict",
        headers: { "mm-model-id": models, ...extra },
        body: [predictFrame("I love it")],
      });
    const answer = await multi(ids);
    expect(answer.status).toBe(0);
    expect(answer.messages).toHaveLength(1);
    const merged = fromBinary(MultiPredictResponseSchema, answer.messages[0] as Buffer);
    expect(Object.keys(merged.perModelResults).sort()).toEqual(ids);
    // A missing model is skipped by default, and fails the call with mm-required: all.
    const some = await multi([...ids, "multi-missing"]);
    expect(
      Object.keys(fromBinary(MultiPredictResponseSchema, some.messages[0] as Buffer).perModelResults),
    ).toHaveLength(3);
    const all = await multi([...ids, "multi-missing"], { "mm-required": "all" });
    expect(all.status).toBe(Code.NotFound);
    const nothing = await multi(["absent-1", "absent-2"]);
    expect(nothing).toMatchObject({
      status: Code.NotFound,
      message: "none of the requested models were found",
    });
  });

  it("answers NOT_FOUND for an unregistered model and a vmodel", async () => {
    const model = await failure(h.predictor.predict({ text: "x" }, { headers: modelHeaders("nope") }));
    expect(model).toMatchObject({ code: Code.NotFound, rawMessage: "model not found" });
    const vmodel = await failure(h.predictor.predict({ text: "x" }, { headers: { "mm-vmodel-id": "v1" } }));
    expect(vmodel).toMatchObject({ code: Code.NotFound, rawMessage: "vmodel not found" });
  });

  it("validates the id headers with the original's messages", async () => {
    const cases: [Record<string, string>, string][] = [
      [{}, "must include mm-model-id header"],
      [{ "mm-model-id": "a", "mm-vmodel-id": "b" }, "must include only one of model id and vmodel id"],
      [{ "mm-model-id": "" }, "provided model-id header must be non-empty"],
    ];
    for (const [headers, message] of cases) {
      const refused = await failure(h.predictor.predict({ text: "x" }, { headers }));
      expect(refused).toMatchObject({ code: Code.InvalidArgument, rawMessage: message });
    }
  });

  it("translates runtime errors: UNAVAILABLE → INTERNAL, others pass through", async () => {
    await register("err-1");
    const unavailable = await failure(
      h.predictor.predict(
        { text: "test:error:code=UNAVAILABLE:message=busy" },
        { headers: modelHeaders("err-1") },
      ),
    );
    expect(unavailable.code).toBe(Code.Internal);
    expect(unavailable.rawMessage).toBe(
      "ModelRuntime UNAVAILABLE: mmesh.ExamplePredictor/predict: UNAVAILABLE: busy",
    );
    const invalid = await failure(
      h.predictor.predict(
        { text: "test:error:code=FAILED_PRECONDITION:message=bad input" },
        { headers: modelHeaders("err-1") },
      ),
    );
    expect(invalid.code).toBe(Code.FailedPrecondition);
    expect(invalid.rawMessage).toContain("bad input");
  });

  it("propagates the deadline", async () => {
    await register("slow-1");
    await h.predictor.predict({ text: "warm" }, { headers: modelHeaders("slow-1") });
    const late = await failure(
      h.predictor.predict({ text: "test:delay:5000" }, { headers: modelHeaders("slow-1"), timeoutMs: 300 }),
    );
    expect(late.code).toBe(Code.DeadlineExceeded);
    await h.runtime.waitForEvent("call-cancelled", () => true, 10_000);
  });

  it("propagates cancellation to the runtime", async () => {
    await register("cancel-1");
    await h.predictor.predict({ text: "warm" }, { headers: modelHeaders("cancel-1") });
    const before = h.runtime.events("call-cancelled").length;
    const delays = h.runtime.events("delay-started").length;
    const controller = new AbortController();
    const call = h.predictor.predict(
      { text: "test:delay:10000" },
      { headers: modelHeaders("cancel-1"), signal: controller.signal },
    );
    await waitUntil(() => h.runtime.events("delay-started").length > delays, { timeoutMs: 10_000 });
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: Code.Canceled });
    await waitUntil(() => h.runtime.events("call-cancelled").length > before, { timeoutMs: 10_000 });
  });

  it("streams server-streaming responses through", async () => {
    await register("stream-1");
    const answer = await rawGrpcCall({
      port: h.port,
      path: "/mmesh.ExamplePredictor/streamPredict",
      headers: modelHeaders("stream-1"),
      body: [predictFrame("one two three")],
    });
    expect(answer.status).toBe(0);
    expect(answer.messages).toHaveLength(3);
    expect(fromBinary(PredictResponseSchema, answer.messages[0] as Buffer).results.length).toBeGreaterThan(0);
  });

  it("refuses client streaming, empty and oversized requests", async () => {
    await register("shape-1");
    const streaming = await rawGrpcCall({
      port: h.port,
      path: "/mmesh.ExamplePredictor/predict",
      headers: modelHeaders("shape-1"),
      body: [predictFrame("a"), predictFrame("b")],
    });
    expect(streaming).toMatchObject({ status: Code.Unimplemented, message: "Streaming not supported yet" });
    const empty = await rawGrpcCall({
      port: h.port,
      path: "/mmesh.ExamplePredictor/predict",
      headers: modelHeaders("shape-1"),
      body: [],
    });
    expect(empty).toMatchObject({ status: Code.Internal, message: "Half-closed without a request" });
    const big = await rawGrpcCall({
      port: h.port,
      path: "/mmesh.ExamplePredictor/predict",
      headers: modelHeaders("shape-1"),
      body: [predictFrame("x".repeat(MAX_MESSAGE_BYTES + 10))],
    });
    expect(big.status).toBe(Code.ResourceExhausted);
  });

  it("refuses management methods of the runtime as inference", async () => {
    const answer = await rawGrpcCall({
      port: h.port,
      path: "/mmesh.ModelRuntime/unloadModel",
      headers: modelHeaders("sent-1"),
      body: [frame(new Uint8Array())],
    });
    expect(answer).toMatchObject({
      status: Code.Unimplemented,
      message: "Method not found or not permitted: mmesh.ModelRuntime/unloadModel",
    });
  });

  it("explains that HTTP/1.1 cannot carry inference", async () => {
    // As the gateway does on a listener that also accepts HTTP/1.1.
    const server = createHttp1Server((req, res) =>
      h.mesh.handleInference(req as unknown as Http2ServerRequest, res as unknown as Http2ServerResponse),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http1Request({ port, host: "127.0.0.1", path: "/x.Y/z", method: "POST" }, (res) => {
          let body = "";
          res.on("data", (chunk: Buffer) => {
            body += chunk.toString();
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("error", reject);
        req.end();
      });
      expect(answer.status).toBe(501);
      expect(JSON.parse(answer.body)).toMatchObject({ code: "unimplemented" });
      expect(answer.body).toContain("HTTP/2");
    } finally {
      server.close();
    }
  });
});
