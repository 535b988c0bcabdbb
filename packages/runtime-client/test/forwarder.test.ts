import type { IncomingHttpHeaders } from "node:http2";
import type { MeshError } from "@modelmesh/core";
import { startExampleRuntime, type TestExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ForwardRequest,
  forwardAndCollect,
  type GrpcForwarder,
  type RuntimeConnection,
  runtimeRequestHeaders,
} from "../src/index.js";
import { closeConnections, connectTo, frame, predictAnswers, predictBody } from "./support.js";

let runtime: TestExampleRuntime;
let connection: RuntimeConnection;

beforeAll(async () => {
  runtime = await startExampleRuntime({ name: "fw-main" });
  connection = await connectTo(runtime);
  await connection.models.loadModel({ modelId: "echo", modelType: "example", modelPath: "SIZE_1000_0_0" });
  await connection.models.loadModel({ modelId: "sentiment", modelType: "example", modelPath: "sentiment" });
});

afterAll(async () => {
  closeConnections();
  await stopAllProcesses();
});

const predict = (modelId: string, text: string, extra: Partial<ForwardRequest> = {}): ForwardRequest => ({
  path: "/mmesh.ExamplePredictor/predict",
  headers: runtimeRequestHeaders(
    { "content-type": "application/grpc", "user-agent": "test/1", "mm-vmodel-id": "v" },
    modelId,
  ),
  body: predictBody(text, "as-sent"),
  ...extra,
});

interface Recorded {
  calls: string[];
  headers?: IncomingHttpHeaders;
  chunks: Buffer[];
  trailers?: IncomingHttpHeaders;
  error?: MeshError;
  started?: boolean;
  done: Promise<void>;
}

/** Forwards a call with a sink that records every callback in order. */
function record(forwarder: GrpcForwarder, request: ForwardRequest): Recorded {
  let finish = () => {};
  const r: Recorded = { calls: [], chunks: [], done: new Promise<void>((resolve) => (finish = resolve)) };
  forwarder.forward(request, {
    onHeaders(h) {
      r.calls.push("headers");
      r.headers = h;
    },
    onData(c) {
      if (r.calls.at(-1) !== "data") r.calls.push("data");
      r.chunks.push(c);
    },
    onTrailers(t) {
      r.calls.push("trailers");
      r.trailers = t;
      finish();
    },
    onError(e, started) {
      r.calls.push("error");
      r.error = e;
      r.started = started;
      finish();
    },
  });
  return r;
}

describe("GrpcForwarder to the example runtime", () => {
  it("forwards a unary call: headers, body bytes, trailers", async () => {
    const r = record(connection.forwarder, predict("sentiment", "lovely and helpful"));
    await r.done;
    expect(r.calls).toEqual(["headers", "data", "trailers"]);
    expect(r.headers?.[":status"]).toBe(200);
    expect(r.trailers?.["grpc-status"]).toBe("0");
    const [answer] = predictAnswers(Buffer.concat(r.chunks));
    expect(answer?.results.map((x) => x.category)).toEqual(["positive", "as-sent", "negative"]);
  });

  it("sends the model id in mm-model-id-bin when it is not ASCII", async () => {
    const id = "modèle-ü";
    await connection.models.loadModel({ modelId: id, modelType: "example", modelPath: "SIZE_1000_0_0" });
    const response = await forwardAndCollect(connection.forwarder, predict(id, "hi"));
    expect(predictAnswers(response.body)[0]?.results[0]?.category).toBe(
      `classification for hi by model ${id}`,
    );
  });

  it("streams server-streaming responses chunk by chunk", async () => {
    const r = record(connection.forwarder, {
      ...predict("echo", "one two three"),
      path: "/mmesh.ExamplePredictor/streamPredict",
    });
    await r.done;
    expect(r.calls).toEqual(["headers", "data", "trailers"]);
    const answers = predictAnswers(Buffer.concat(r.chunks)).map((a) => a.results[0]?.category);
    expect(answers).toEqual(["one", "two", "three"].map((w) => `classification for ${w} by model echo`));
  });

  it("passes an error that follows streamed messages through in the trailers", async () => {
    const r = record(connection.forwarder, {
      ...predict("echo", "one two test:error:code=INTERNAL:message=half%way"),
      path: "/mmesh.ExamplePredictor/streamPredict",
    });
    await r.done;
    expect(r.calls).toEqual(["headers", "data", "trailers"]);
    expect(predictAnswers(Buffer.concat(r.chunks))).toHaveLength(2);
    expect([r.trailers?.["grpc-status"], r.trailers?.["grpc-message"]]).toEqual(["13", "half%25way"]);
  });

  it("carries an 8 MiB payload both ways", async () => {
    const text = "x".repeat(8 * 1024 * 1024);
    const response = await forwardAndCollect(connection.forwarder, predict("echo", text));
    const [answer] = predictAnswers(response.body);
    expect(answer?.results[0]?.category).toBe(`classification for ${text} by model echo`);
  });

  it("delivers every body byte before the trailers when the sink pauses the call", async () => {
    // The runtime sends the whole 1 MiB answer and its trailers while the call is paused;
    // the trailers must wait until the body buffered meanwhile has been delivered.
    const chunks: Buffer[] = [];
    const calls: string[] = [];
    let handle: ReturnType<GrpcForwarder["forward"]> | undefined;
    let paused = false;
    const done = new Promise<void>((resolve, reject) => {
      handle = connection.forwarder.forward(predict("echo", "test:answer-bytes:1048576"), {
        onHeaders: () => calls.push("headers"),
        onData(chunk) {
          if (calls.at(-1) !== "data") calls.push("data");
          chunks.push(chunk);
          if (!paused) {
            paused = true;
            handle?.pause();
          }
        },
        onTrailers() {
          calls.push("trailers");
          resolve();
        },
        onError: reject,
      });
    });
    // Let the runtime finish its answer while nothing is read.
    await new Promise((resolve) => setTimeout(resolve, 500));
    handle?.resume();
    await done;
    expect(calls).toEqual(["headers", "data", "trailers"]);
    const body = Buffer.concat(chunks);
    expect(body.length, "body bytes delivered").toBeGreaterThan(1048576);
    const [answer] = predictAnswers(body);
    expect(answer?.results[0]?.category).toHaveLength(1048576);
  });

  it("refuses a response message over the limit with RESOURCE_EXHAUSTED", async () => {
    const r = record(connection.forwarder, predict("echo", "x".repeat(16 * 1024 * 1024)));
    await r.done;
    expect(r.calls).toEqual(["error"]);
    expect(r.started).toBe(false);
    expect(r.error).toMatchObject({ code: "RUNTIME_ERROR", details: { grpcCode: 8 } });
    expect(r.error?.message).toMatch(
      /^mmesh\.ExamplePredictor\/predict: RESOURCE_EXHAUSTED: response message of \d+ bytes exceeds the limit of 16777216 bytes$/,
    );
  });

  it("ends a call at its deadline with DEADLINE_EXCEEDED, and the runtime sees the cancellation", async () => {
    const started = performance.now();
    const r = record(connection.forwarder, predict("echo", "test:delay:5000", { timeoutMs: 300 }));
    await r.done;
    expect(performance.now() - started).toBeLessThan(2000);
    expect(r.error?.code).toBe("DEADLINE_EXCEEDED");
    const cancelled = await runtime.waitForEvent("call-cancelled", (e) => e.modelId === "echo");
    expect(["DeadlineExceeded", "Canceled"]).toContain(cancelled.reason);
  });

  it("cancels a call when the caller aborts, and the runtime sees it", async () => {
    await connection.models.loadModel({
      modelId: "echo-cancel",
      modelType: "example",
      modelPath: "SIZE_1000_0_0",
    });
    const controller = new AbortController();
    const r = record(
      connection.forwarder,
      predict("echo-cancel", "test:delay:5000", { signal: controller.signal }),
    );
    await runtime.waitForEvent("delay-started", (e) => e.modelId === "echo-cancel");
    controller.abort();
    await r.done;
    expect(r.error).toMatchObject({ code: "CANCELLED" });
    await runtime.waitForEvent(
      "call-cancelled",
      (e) => e.modelId === "echo-cancel" && e.reason === "Canceled",
    );
  });

  it("maps runtime errors: NOT_FOUND, UNAVAILABLE and other codes", async () => {
    const missing = await forwardAndCollect(connection.forwarder, predict("ghost", "x")).catch(
      (e: unknown) => e,
    );
    expect(missing).toMatchObject({ code: "MODEL_NOT_HERE", details: { grpcCode: 5 } });
    const unavailable = await forwardAndCollect(
      connection.forwarder,
      predict("echo", "test:error:code=UNAVAILABLE:message=Fake prediction error message"),
    ).catch((e: unknown) => e);
    expect(unavailable).toMatchObject({
      code: "INSTANCE_UNAVAILABLE",
      message:
        "ModelRuntime UNAVAILABLE: mmesh.ExamplePredictor/predict: UNAVAILABLE: Fake prediction error message",
    });
    const other = await forwardAndCollect(
      connection.forwarder,
      predict("echo", "test:error:code=FAILED_PRECONDITION:message=nope"),
    ).catch((e: unknown) => e);
    expect(other).toMatchObject({
      code: "RUNTIME_ERROR",
      message: "mmesh.ExamplePredictor/predict: FAILED_PRECONDITION: nope",
      details: { grpcCode: 9 },
    });
  });

  it("maps Triton's and MLServer's not-found errors to MODEL_NOT_HERE", async () => {
    const [triton, mlserver] = await Promise.all([
      startExampleRuntime({ name: "fw-triton", env: { TRITON_NOT_FOUND_BEHAVIOUR: "true" } }),
      startExampleRuntime({ name: "fw-mlserver", args: ["--mlserver-not-found"] }),
    ]);
    for (const [rt, grpcCode] of [
      [triton, 14],
      [mlserver, 3],
    ] as const) {
      const c = await connectTo(rt);
      const error = await forwardAndCollect(c.forwarder, predict("not-loaded", "x")).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "MODEL_NOT_HERE", details: { grpcCode } });
    }
  });

  it("never forwards a runtime management call, in any spelling (UNIMPLEMENTED, nothing sent)", async () => {
    await runtime.syncEvents();
    const before = runtime.events().length;
    for (const path of [
      "/mmesh.ModelRuntime/unloadModel",
      "/mmesh.modelruntime/unloadModel",
      "//mmesh.ModelRuntime/unloadModel",
      "/mmesh.ModelRuntime/runtimeStatus?x",
      "mmesh.ModelRuntime/runtimeStatus",
    ]) {
      const r = record(connection.forwarder, predict("echo", "x", { path, body: frame(new Uint8Array()) }));
      await r.done;
      expect(r.calls, path).toEqual(["error"]);
      expect(r.error?.code, path).toBe("UNIMPLEMENTED");
      expect(r.started).toBe(false);
    }
    await runtime.syncEvents();
    expect(
      runtime
        .events()
        .slice(before)
        .map((e) => e.event),
    ).toEqual(["events-synced"]);
    const r = record(connection.forwarder, predict("echo", "still served"));
    await r.done;
    expect(r.calls).toEqual(["headers", "data", "trailers"]);
  });

  it("forwards KServe V2 ModelInfer over a Unix socket", async () => {
    const rt = await startExampleRuntime({ name: "fw-uds", socket: "temp" });
    const c = await connectTo(rt);
    await c.models.loadModel({ modelId: "iris", modelType: "example", modelPath: "iris-tree" });
    const { create, toBinary, fromBinary } = await import("@bufbuild/protobuf");
    const { ModelInferRequestSchema, ModelInferResponseSchema } = await import("@modelmesh/proto");
    const { frame } = await import("./support.js");
    const request = create(ModelInferRequestSchema, {
      inputs: [
        {
          name: "features",
          datatype: "FP32",
          shape: [1n, 4n],
          contents: { fp32Contents: [6.7, 3.1, 5.6, 2.4] },
        },
      ],
    });
    const response = await forwardAndCollect(c.forwarder, {
      path: "/inference.GRPCInferenceService/ModelInfer",
      headers: runtimeRequestHeaders({ "content-type": "application/grpc" }, "iris"),
      body: frame(toBinary(ModelInferRequestSchema, request)),
    });
    const decoded = fromBinary(ModelInferResponseSchema, response.body.subarray(5));
    expect(decoded.modelName).toBe("iris");
    expect(decoded.outputs[1]?.contents?.bytesContents.map((b) => Buffer.from(b).toString())).toEqual([
      "virginica",
    ]);
  });
});

describe("GrpcForwarder when the runtime goes away", () => {
  it("fails a call in flight with INSTANCE_UNAVAILABLE when the runtime is killed, and works again after a restart", async () => {
    const rt = await startExampleRuntime({ name: "fw-restart" });
    const c = await connectTo(rt);
    await c.models.loadModel({ modelId: "m", modelType: "example", modelPath: "SIZE_1000_0_0" });
    const r = record(c.forwarder, predict("m", "test:delay:10000"));
    await rt.waitForEvent("delay-started");
    await rt.kill();
    await r.done;
    expect(r.calls).toEqual(["error"]);
    expect(r.error).toMatchObject({ code: "INSTANCE_UNAVAILABLE" });
    expect(r.error?.retryable).toBe(true);

    const down = await forwardAndCollect(c.forwarder, predict("m", "x")).catch((e: unknown) => e);
    expect(down).toMatchObject({ code: "INSTANCE_UNAVAILABLE" });

    const restarted = await rt.restart();
    // The restarted runtime has nothing loaded: NOT_FOUND → MODEL_NOT_HERE, then a reload serves.
    const afterRestart = await forwardAndCollect(c.forwarder, predict("m", "x")).catch((e: unknown) => e);
    expect(afterRestart).toMatchObject({ code: "MODEL_NOT_HERE" });
    c.models.handleServingNotFound("m");
    await waitUntil(() =>
      c.models.loadModel({ modelId: "m", modelType: "example", modelPath: "SIZE_1000_0_0" }).then(() => true),
    );
    const response = await forwardAndCollect(c.forwarder, predict("m", "back"));
    expect(predictAnswers(response.body)[0]?.results[0]?.category).toBe("classification for back by model m");
    await restarted.syncEvents();
    expect(restarted.events("model-loaded")).toHaveLength(1);
  });
});
