import { deflateSync, gzipSync } from "node:zlib";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { PredictRequestSchema, PredictResponseSchema } from "@modelmesh/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MeshHarness, modelHeaders, startMesh } from "./mesh-harness.js";
import { frame, rawGrpcCall } from "./raw-grpc.js";

/** One gRPC frame with the compressed flag set, its message compressed with `encoding`. */
function compressedFrame(message: Uint8Array, encoding: "gzip" | "deflate"): Buffer {
  const framed = frame(encoding === "gzip" ? gzipSync(message) : deflateSync(message));
  framed[0] = 1;
  return framed;
}

const predictRequest = (init: { modelName?: string; text: string }) =>
  toBinary(PredictRequestSchema, create(PredictRequestSchema, init));

describe("model ids from the request body (MM_DATAPLANE_CONFIG)", () => {
  let h: MeshHarness;
  beforeAll(async () => {
    h = await startMesh({
      // Only predict is configured; other methods are refused.
      dataplane: {
        rpcConfigs: { "mmesh.ExamplePredictor/predict": { idExtractionPath: [1], vModelId: false } },
        allowOtherRpcs: false,
      },
    });
    for (const id of ["body-1", "header-1"]) {
      await h.management.registerModel({ modelId: id, modelInfo: { type: "example", path: "sentiment" } });
    }
  });
  afterAll(async () => {
    await h?.close();
  });

  it("routes by the id in the body, without a header", async () => {
    const answer = await h.predictor.predict({ modelName: "body-1", text: "great" });
    expect(answer.results[1]?.category).toBe("body-1");
  });

  it("prefers the body's id over the header, and falls back to the header", async () => {
    const preferred = await h.predictor.predict(
      { modelName: "body-1", text: "x" },
      { headers: modelHeaders("header-1") },
    );
    expect(preferred.results[1]?.category).toBe("body-1");
    const fallback = await h.predictor.predict({ text: "x" }, { headers: modelHeaders("header-1") });
    expect(fallback.results[1]?.category).toBe("header-1");
  });

  it("refuses methods the config does not list", async () => {
    const answer = await rawGrpcCall({
      port: h.port,
      path: "/mmesh.ExamplePredictor/multiPredict",
      headers: modelHeaders("body-1"),
      body: [frame(toBinary(PredictRequestSchema, create(PredictRequestSchema, { text: "x" })))],
    });
    expect(answer).toMatchObject({ status: Code.Unimplemented, message: "" });
  });

  describe("in compressed messages (grpc-encoding gzip and deflate)", () => {
    const predict = (headers: Record<string, string>, body: Buffer) =>
      rawGrpcCall({ port: h.port, path: "/mmesh.ExamplePredictor/predict", headers, body: [body] });
    const servedModel = (answer: { messages: Buffer[] }) =>
      fromBinary(PredictResponseSchema, answer.messages[0] ?? Buffer.alloc(0)).results[1]?.category;

    it("routes by the id in a gzip-compressed body", async () => {
      // The id already in place, the message is passed on compressed (the runtime reads gzip).
      const body = compressedFrame(predictRequest({ modelName: "body-1", text: "great" }), "gzip");
      const answer = await predict({ "grpc-encoding": "gzip" }, body);
      expect(answer.status, answer.message).toBe(0);
      expect(servedModel(answer)).toBe("body-1");
    });

    it("injects the header's model id into a gzip-compressed body that has none", async () => {
      const body = compressedFrame(predictRequest({ text: "x" }), "gzip");
      const answer = await predict({ "grpc-encoding": "gzip", ...modelHeaders("header-1") }, body);
      expect(answer.status, answer.message).toBe(0);
      // The runtime echoes the model name it found in the message: the mesh wrote it there and
      // sent the message on uncompressed. (Deflate is covered by the unit tests: this runtime
      // refuses a `grpc-encoding: deflate` header whatever the message's flag says.)
      expect(servedModel(answer)).toBe("header-1");
    });

    it("answers INTERNAL for a message that does not decompress", async () => {
      const broken = frame(Buffer.from("certainly not gzip"));
      broken[0] = 1;
      const answer = await predict({ "grpc-encoding": "gzip", ...modelHeaders("header-1") }, broken);
      expect(answer).toMatchObject({
        status: Code.Internal,
        message: "Could not decompress the request message (gzip)",
      });
    });

    it("answers RESOURCE_EXHAUSTED for a message that inflates past the size limit", async () => {
      // 17 MiB of zeros compress to about 17 KiB; the harness's limit is 16 MiB.
      const bomb = compressedFrame(Buffer.alloc(17 * 1024 * 1024), "gzip");
      expect(bomb.length).toBeLessThan(64 * 1024);
      const answer = await predict({ "grpc-encoding": "gzip", ...modelHeaders("header-1") }, bomb);
      expect(answer.status).toBe(Code.ResourceExhausted);
      expect(answer.message).toMatch(
        /^gRPC message exceeds maximum size 16777216 once decompressed \(gzip\)$/,
      );
    });
  });
});
