import { fileURLToPath } from "node:url";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, createClient } from "@connectrpc/connect";
import { compressionGzip, createGrpcTransport } from "@connectrpc/connect-node";
import { ExamplePredictor, PredictRequestSchema, PredictResponseSchema } from "@modelmesh/proto";
import { modelHeader, startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { startTsProcess, stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PayloadSink, type ReceivedPost, startPayloadSink } from "./payload-sink.js";
import { expectCode, MiB, registerLoaded, sizedModel } from "./support.js";
import { vmodelHeader } from "./vmodel-support.js";

afterAll(stopAllProcesses);

const METHOD = "mmesh.ExamplePredictor/predict";
const BODY_KEYS = ["id", "modelid", "vModelId", "data", "kind", "status", "metadata"];

// MM_PAYLOAD_PROCESSORS (docs/payload-processors.md): a logger processor and http processors
// with filters, POSTing to a real local HTTP server; then a full queue (capacity 2, one worker)
// held by a consumer that does not answer.
describe("payload processors", () => {
  let sink: PayloadSink;
  let mesh: TestMesh;
  beforeAll(async () => {
    sink = await startPayloadSink();
    const u = sink.url;
    const processors = [
      "logger://",
      `${u}/all`,
      `${u}/vm?vmodel=pp-v#predict`,
      `${u}/short?pp-model#predict`,
      `${u}/full?model=pp-model#${METHOD}`,
      `${u}/other#otherMethod`,
      `${u}/fail?fail-model`,
      `${u}/block?block-model`,
    ];
    mesh = await startMesh({
      env: {
        MM_PAYLOAD_PROCESSORS: processors.join(" "),
        MM_PAYLOAD_PROCESSORS_CAPACITY: "2",
        MM_PAYLOAD_PROCESSORS_THREADS: "1",
      },
    });
    await Promise.all(["pp-model", "fail-model", "block-model"].map((id) => registerLoaded(mesh, id)));
    await mesh.management.setVModel({
      vModelId: "pp-v",
      targetModelId: "pp-target",
      modelInfo: { type: "DUMMY", path: sizedModel(MiB, 0, 0) },
      loadNow: true,
      sync: true,
    });
  }, 120_000);
  afterAll(async () => {
    sink?.release();
    await sink?.close();
  });

  /** The request and response the sink got at `prefix` for the payload id of the first post after `from`. */
  async function pair(prefix: string, from: number): Promise<[ReceivedPost, ReceivedPost]> {
    return waitUntil(
      () => {
        const posts = sink.at(prefix).slice(from);
        const request = posts.find((p) => p.body.kind === "request");
        const response = posts.find((p) => p.body.kind === "response" && p.body.id === request?.body.id);
        return request && response ? ([request, response] as [ReceivedPost, ReceivedPost]) : undefined;
      },
      { timeoutMs: 10_000, description: `request and response payloads at ${prefix}` },
    );
  }

  it("POSTs the request and the response of a call as the original's JSON body", async () => {
    const from = sink.at("/all").length;
    const answer = await mesh.predictor.predict(
      { text: "predict me!" },
      { headers: { ...modelHeader("pp-model"), "custom-header": "custom-value", "trace-bin": "AQID" } },
    );
    const [request, response] = await pair("/all", from);
    expect(request.contentType).toBe("application/json");
    expect(Object.keys(JSON.parse(request.text))).toEqual(BODY_KEYS);
    expect(Object.keys(JSON.parse(response.text))).toEqual(BODY_KEYS);
    expect(request.body).toMatchObject({ modelid: "pp-model", vModelId: null, kind: "request", status: "" });
    expect(request.body.id).toMatch(/^mm-test-\d+-\d+$/);
    const sent = toBinary(PredictRequestSchema, create(PredictRequestSchema, { text: "predict me!" }));
    expect(Buffer.from(request.body.data as string, "base64")).toEqual(Buffer.from(sent));
    expect(request.body.metadata).toMatchObject({
      "mm-model-id": "pp-model",
      "custom-header": "custom-value",
      "trace-bin": "AQID",
    });
    expect((request.body.metadata as Record<string, string>)["content-type"]).toMatch(/^application\/grpc/);
    expect(Object.keys(request.body.metadata as object).some((k) => k.startsWith(":"))).toBe(false);
    expect(response.body).toMatchObject({
      modelid: "pp-model",
      vModelId: null,
      kind: "response",
      status: "OK",
    });
    const got = fromBinary(PredictResponseSchema, Buffer.from(response.body.data as string, "base64"));
    expect(got.results[0]?.category).toBe(answer.results[0]?.category);
    expect((response.body.metadata as Record<string, string>)["content-type"]).toMatch(/^application\/grpc/);
  });

  it("hands processors the inflated message of a compressed request", async () => {
    const gzipClient = createClient(
      ExamplePredictor,
      createGrpcTransport({ baseUrl: mesh.baseUrl, sendCompression: compressionGzip, compressMinBytes: 0 }),
    );
    const from = sink.at("/all").length;
    await gzipClient.predict({ text: "squeeze me" }, { headers: modelHeader("pp-model") });
    const [request] = await pair("/all", from);
    expect((request.body.metadata as Record<string, string>)["grpc-encoding"]).toBe("gzip");
    const sent = toBinary(PredictRequestSchema, create(PredictRequestSchema, { text: "squeeze me" }));
    expect(Buffer.from(request.body.data as string, "base64")).toEqual(Buffer.from(sent));
  });

  it("writes a log line per payload with logger://", async () => {
    const line = await waitUntil(
      () =>
        mesh
          .logs()
          .find(
            (l) =>
              l.msg === "payload" &&
              (l.payload as { kind?: string; modelId?: string } | undefined)?.kind === "response" &&
              (l.payload as { modelId?: string }).modelId === "pp-model",
          ),
      { timeoutMs: 10_000, description: "the logger processor's line" },
    );
    expect(line).toMatchObject({
      level: "info",
      payload: { modelId: "pp-model", vModelId: null, method: METHOD, status: "OK" },
    });
  });

  it("filters by model with the short or the full method name, and by method", async () => {
    // Both payloads of the first call, processed one processor after the other.
    await waitUntil(() => (sink.at("/short").length >= 2 && sink.at("/full").length >= 2) || undefined, {
      timeoutMs: 10_000,
      description: "the payloads at /short and /full",
    });
    expect(sink.at("/short").every((p) => p.body.modelid === "pp-model")).toBe(true);
    expect(sink.at("/full").every((p) => p.body.modelid === "pp-model")).toBe(true);
    expect(sink.at("/other")).toEqual([]);
    expect(sink.at("/vm")).toEqual([]);
  });

  it("gives vmodel calls the vmodel id, and the vmodel filter matches them", async () => {
    const from = sink.at("/all").length;
    await mesh.predictor.predict({ text: "v" }, { headers: vmodelHeader("pp-v") });
    const [request, response] = await pair("/vm", 0);
    expect(request.body).toMatchObject({ modelid: "pp-target", vModelId: "pp-v", kind: "request" });
    expect(response.body).toMatchObject({ modelid: "pp-target", vModelId: "pp-v", status: "OK" });
    // The model-id filter of /short does not match the vmodel's model.
    await pair("/all", from);
    expect(sink.at("/short").some((p) => p.body.modelid === "pp-target")).toBe(false);
  });

  it("reports a failed call with its status", async () => {
    const from = sink.at("/all").length;
    await expectCode(
      mesh.predictor.predict({ text: "x" }, { headers: modelHeader("pp-missing") }),
      Code.NotFound,
    );
    const [request, response] = await pair("/all", from);
    expect(request.body).toMatchObject({ modelid: "pp-missing", kind: "request", status: "" });
    expect(response.body).toMatchObject({
      modelid: "pp-missing",
      kind: "response",
      status: "NOT_FOUND",
      data: "",
    });
  });

  it("only logs a consumer's error answer; the call succeeds", async () => {
    const answer = await mesh.predictor.predict({ text: "f" }, { headers: modelHeader("fail-model") });
    expect(answer.results.length).toBeGreaterThan(0);
    await waitUntil(
      () =>
        mesh
          .logs()
          .find(
            (l) => l.msg === "payload processor endpoint did not accept a payload" && l.httpStatus === 500,
          ),
      {
        timeoutMs: 10_000,
        description: "the warn line about HTTP 500",
      },
    );
    // Both payloads went through: the queue is empty for the next test.
    await waitUntil(() => sink.at("/fail").length === 2 || undefined, {
      timeoutMs: 10_000,
      description: "both payloads at /fail",
    });
  });

  it("drops payloads when the queue is full, counts them, and never fails or slows the calls", async () => {
    // The worker holds the first payload at /block; two wait; the other 37 of 40 are dropped.
    const calls = Array.from({ length: 20 }, (_, i) =>
      mesh.predictor.predict({ text: `b${i}` }, { headers: modelHeader("block-model"), timeoutMs: 5000 }),
    );
    const answers = await Promise.all(calls);
    expect(answers.every((a) => a.results.length > 0)).toBe(true);
    const dropLines = () => mesh.logs().filter((l) => String(l.msg).includes("payloads were dropped"));
    const first = await waitUntil(() => dropLines()[0], {
      timeoutMs: 10_000,
      description: "the first drop report",
    });
    expect(first).toMatchObject({ level: "warn", capacity: 2 });
    // Still serving while the consumer holds the queue.
    const during = await mesh.predictor.predict({ text: "y" }, { headers: modelHeader("pp-model") });
    expect(during.results.length).toBeGreaterThan(0);
    sink.release();
    await waitUntil(() => sink.at("/block").length === 3 || undefined, {
      timeoutMs: 10_000,
      description: "the held and the two queued payloads",
    });
    expect(await mesh.stop()).toBe(0);
    const total = dropLines().reduce((sum, l) => sum + Number(l.dropped), 0);
    // 40 block payloads − 1 held − 2 queued, plus the 2 of the call made while it was full.
    expect(total).toBe(39);
    expect(dropLines().at(-1)?.droppedTotal).toBe(39);
  });
});

describe("payload processor configuration", () => {
  it("exits with code 2 and names every bad URI", async () => {
    const child = startTsProcess({
      name: "modelmesh-bad-payload-processors",
      entry: fileURLToPath(new URL("../src/main.ts", import.meta.url)),
      env: {
        MM_PAYLOAD_PROCESSORS: "logger:// kafka://broker/topic http://",
        MM_PAYLOAD_PROCESSORS_CAPACITY: "-1",
      },
    });
    expect(await child.exited).toBe(2);
    const output = child.output();
    expect(output).toContain("invalid configuration (3 problems)");
    expect(output).toContain(
      'MM_PAYLOAD_PROCESSORS: "kafka://broker/topic": unknown processor scheme "kafka"',
    );
    expect(output).toContain('MM_PAYLOAD_PROCESSORS: "http://" is not a valid URI');
    expect(output).toContain('MM_PAYLOAD_PROCESSORS_CAPACITY="-1"');
  });
});
