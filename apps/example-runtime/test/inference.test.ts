import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { PredictRequestSchema, PredictResponseSchema } from "@modelmesh/proto";
import { startExampleRuntime, type TestExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientsFor, codeOf, type RuntimeClients } from "./clients.js";

let main: TestExampleRuntime;
let clients: RuntimeClients;

beforeAll(async () => {
  main = await startExampleRuntime({ name: "rt-inference" });
  clients = clientsFor({ port: main.port });
});

afterAll(async () => {
  clients.close();
  await stopAllProcesses();
});

describe("ExamplePredictor", () => {
  beforeAll(async () => {
    await clients.runtime.loadModel({ modelId: "sentiment-1", modelPath: "sentiment" });
    await clients.runtime.loadModel({ modelId: "echo-1", modelPath: "SIZE_1000_0_0" });
  });

  it("classifies with the model named by mm-model-id and echoes the request's modelName second", async () => {
    const response = await clients.predictor.predict(
      { modelName: "as-sent", text: "great service, I love it" },
      { headers: { "mm-model-id": "sentiment-1" } },
    );
    expect(response.results.map((r) => r.category)).toEqual(["positive", "as-sent", "negative"]);
    expect(response.results[0]?.confidence).toBeGreaterThan(0.5);
  });

  it("takes the model from mm-model-id-bin, or from modelName without headers", async () => {
    const bin = Buffer.from("sentiment-1").toString("base64");
    const viaBin = await clients.predictor.predict(
      { text: "awful" },
      { headers: { "mm-model-id-bin": bin } },
    );
    const viaBody = await clients.predictor.predict({ modelName: "sentiment-1", text: "awful" });
    expect(viaBin.results[0]?.category).toBe("negative");
    expect(viaBody.results[0]).toEqual(viaBin.results[0]);
  });

  it("answers like the original's example model for SIZE_ models", async () => {
    const response = await clients.predictor.predict({ modelName: "echo-1", text: "hi" });
    expect(response.results.map((r) => [r.category, r.confidence])).toEqual([
      ["classification for hi by model echo-1", 1],
      ["echo-1", 0],
    ]);
  });

  it("multiPredict keys the result by model id", async () => {
    const response = await clients.predictor.multiPredict(
      { text: "hi" },
      { headers: { "mm-model-id": "echo-1" } },
    );
    expect(Object.keys(response.perModelResults)).toEqual(["echo-1"]);
  });

  it("answers NOT_FOUND for a model that is not loaded", async () => {
    expect(await codeOf(clients.predictor.predict({ modelName: "ghost", text: "x" }))).toMatchObject({
      code: Code.NotFound,
    });
  });

  it("test:error answers the chosen error", async () => {
    const error = await codeOf(
      clients.predictor.predict({
        modelName: "echo-1",
        text: "test:error:code=UNAVAILABLE:message=Fake prediction error message",
      }),
    );
    expect(error).toEqual({ code: Code.Unavailable, message: "Fake prediction error message" });
  });

  it("test:delay ends early and logs call-cancelled when the deadline passes", async () => {
    const error = await codeOf(
      clients.predictor.predict({ modelName: "echo-1", text: "test:delay:5000" }, { timeoutMs: 200 }),
    );
    expect(error.code).toBe(Code.DeadlineExceeded);
    await main.waitForEvent("call-cancelled", (e) => e.modelId === "echo-1");
  });

  it("test:purge-models forgets every model", async () => {
    await clients.runtime.loadModel({ modelId: "purged", modelPath: "SIZE_1000_0_0" });
    await clients.predictor.predict({ modelName: "purged", text: "test:purge-models" });
    expect(await codeOf(clients.predictor.predict({ modelName: "purged", text: "x" }))).toMatchObject({
      code: Code.NotFound,
    });
    expect(await codeOf(clients.predictor.predict({ modelName: "sentiment-1", text: "x" }))).toMatchObject({
      code: Code.NotFound,
    });
  });
});

describe("streamPredict (server streaming extension)", () => {
  const request = (text: string) =>
    toBinary(PredictRequestSchema, create(PredictRequestSchema, { modelName: "as-sent", text }));

  it("streams one answer per word", async () => {
    await clients.runtime.loadModel({ modelId: "stream-1", modelPath: "SIZE_1000_0_0" });
    const result = await clients.raw("/mmesh.ExamplePredictor/streamPredict", request("one two three"), {
      "mm-model-id": "stream-1",
    });
    expect(result.status).toBe(0);
    const answers = result.messages.map((m) =>
      fromBinary(PredictResponseSchema, m).results.map((r) => r.category),
    );
    expect(answers).toEqual([
      ["classification for one by model stream-1", "as-sent"],
      ["classification for two by model stream-1", "as-sent"],
      ["classification for three by model stream-1", "as-sent"],
    ]);
  });

  it("ends with the error of a test:error word after the messages so far", async () => {
    await clients.runtime.loadModel({ modelId: "stream-2", modelPath: "SIZE_1000_0_0" });
    const result = await clients.raw(
      "/mmesh.ExamplePredictor/streamPredict",
      request("a b test:error:code=INTERNAL:message=mid%stream"),
      {
        "mm-model-id": "stream-2",
      },
    );
    expect(result.messages).toHaveLength(2);
    expect([result.status, result.message]).toEqual([Code.Internal, "mid%stream"]);
  });
});

describe("KServe V2", () => {
  beforeAll(async () => {
    await clients.runtime.loadModel({ modelId: "iris", modelPath: "iris-tree" });
  });

  it("answers health and metadata calls", async () => {
    expect((await clients.inference.serverLive({})).live).toBe(true);
    expect((await clients.inference.serverReady({})).ready).toBe(true);
    expect((await clients.inference.serverMetadata({})).name).toBe("modelmesh-example-runtime");
    expect((await clients.inference.modelReady({ name: "iris" })).ready).toBe(true);
    expect((await clients.inference.modelReady({ name: "ghost" })).ready).toBe(false);
    const metadata = await clients.inference.modelMetadata({ name: "iris" });
    expect(metadata.inputs).toMatchObject([{ name: "features", datatype: "FP32", shape: [-1n, 4n] }]);
    expect(metadata.outputs.map((o) => o.name)).toEqual(["probabilities", "label"]);
  });

  it("infers with raw contents and answers raw", async () => {
    const response = await clients.inference.modelInfer({
      modelName: "iris",
      id: "req-1",
      inputs: [{ name: "features", datatype: "FP32", shape: [2n, 4n] }],
      rawInputContents: [new Uint8Array(Float32Array.from([5.1, 3.5, 1.4, 0.2, 6.7, 3.1, 5.6, 2.4]).buffer)],
    });
    expect(response).toMatchObject({ modelName: "iris", id: "req-1" });
    expect(response.outputs.map((o) => [o.name, o.datatype, o.shape])).toEqual([
      ["probabilities", "FP32", [2n, 3n]],
      ["label", "BYTES", [2n]],
    ]);
    const labels = Buffer.from(response.rawOutputContents[1] ?? []);
    expect(labels.subarray(4, 10).toString()).toBe("setosa");
  });

  it("infers with typed contents, only the outputs asked for", async () => {
    const response = await clients.inference.modelInfer({
      modelName: "iris",
      inputs: [
        {
          name: "features",
          datatype: "FP64",
          shape: [1n, 4n],
          contents: { fp64Contents: [6.0, 2.9, 4.5, 1.5] },
        },
      ],
      outputs: [{ name: "probabilities" }],
    });
    expect(response.outputs).toHaveLength(1);
    expect(response.outputs[0]?.contents?.fp64Contents).toEqual([0, 49 / 54, 5 / 54]);
  });

  it("answers INVALID_ARGUMENT for a bad tensor and NOT_FOUND for a model not loaded", async () => {
    const bad = await codeOf(
      clients.inference.modelInfer({
        modelName: "iris",
        inputs: [
          { name: "features", datatype: "FP32", shape: [1n, 3n], contents: { fp32Contents: [1, 2, 3] } },
        ],
      }),
    );
    expect(bad).toMatchObject({ code: Code.InvalidArgument });
    expect(await codeOf(clients.inference.modelInfer({ modelName: "ghost" }))).toMatchObject({
      code: Code.NotFound,
    });
  });
});
