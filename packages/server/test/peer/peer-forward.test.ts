import { MeshError } from "@modelmesh/core";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contextHeaderNames } from "../../src/peer/context-headers.js";
import { PeerClient } from "../../src/peer/peer-client.js";
import { PeerDirectory } from "../../src/peer/peer-directory.js";
import { errorTrailerNames } from "../../src/peer/peer-errors.js";
import {
  aborted,
  contextFor,
  forwardCollect,
  forwardFailure,
  frame,
  patternBytes,
  readBody,
  respondFrames,
  startPeer,
  type TestPeer,
} from "./support.js";

const path = "/mmesh.ExamplePredictor/predict";

describe("forwarded inference between two peers (real sockets)", () => {
  let a: TestPeer;
  let b: TestPeer;
  let directory: PeerDirectory;
  let client: PeerClient;

  beforeAll(async () => {
    [a, b] = await Promise.all([startPeer("peer-a"), startPeer("peer-b")]);
    directory = new PeerDirectory();
    client = new PeerClient({ directory });
  });

  afterAll(async () => {
    directory.close();
    await Promise.all([a.server.close(), b.server.close()]);
  });

  it("carries a unary request and its answer byte for byte, with the context and the client's headers", async () => {
    const body = frame(patternBytes(1024 * 1024 + 7, 1));
    let received: Buffer | undefined;
    a.handler.onForward = async (call) => {
      received = await readBody(call);
      await respondFrames(call, [frame(Buffer.from("answer")), frame(patternBytes(300_001, 2))]);
    };
    const context = contextFor("model ü", {
      hop: "load_local_only",
      cacheHitExcludes: [{ instanceId: "peer-b", loadTimestampMs: 123 }],
      cacheMissExcludes: ["peer-c"],
      knownSizeUnits: 64,
      chainLoadCount: 1,
    });
    const answer = await forwardCollect(client, a.ref, {
      path,
      headers: { "x-client-meta": "v1", "mm-model-id": "model ü", "grpc-timeout": "1S", ":path": path },
      body,
      context,
    });
    expect(received?.equals(body)).toBe(true);
    expect(
      answer.body.equals(Buffer.concat([frame(Buffer.from("answer")), frame(patternBytes(300_001, 2))])),
    ).toBe(true);
    expect(answer.headers["x-answered-by"]).toBe("peer");
    expect(answer.trailers["grpc-status"]).toBe("0");
    expect(answer.trailers["x-trailer"]).toBe("kept");
    const call = a.handler.forwarded.at(-1);
    expect(call?.context).toEqual(context);
    expect(call?.path).toBe(path);
    expect(call?.headers["x-client-meta"]).toBe("v1");
    expect(call?.headers["mm-model-id"]).toBeUndefined();
    expect(call?.deadlineMs).toBeUndefined();
  });

  it("streams a server-streaming answer through unchanged", async () => {
    const frames = [1, 2, 3, 4].map((i) => frame(patternBytes(10_000 * i, i)));
    b.handler.onForward = async (call) => {
      await readBody(call);
      await respondFrames(call, frames);
    };
    const answer = await forwardCollect(client, b.ref, {
      path: "/pkg.Streamer/Stream",
      headers: {},
      body: [frame(Buffer.from("x")).subarray(0, 3), frame(Buffer.from("x")).subarray(3)],
      context: contextFor("m"),
    });
    expect(answer.body.equals(Buffer.concat(frames))).toBe(true);
    expect(answer.chunks.length).toBeGreaterThan(1);
  });

  it("can be driven like the runtime forwarder through bind()", async () => {
    b.handler.onForward = async (call) => respondFrames(call, [await readBody(call)]);
    const body = frame(Buffer.from("bound"));
    const chunks: Buffer[] = [];
    const trailers = await new Promise<Record<string, unknown>>((resolve, reject) => {
      client.bind(b.ref, contextFor("bound-model")).forward(
        { path, headers: { "x-k": "v" }, body, timeoutMs: 20_000 },
        {
          onHeaders() {},
          onData: (chunk) => chunks.push(chunk),
          onTrailers: resolve,
          onError: reject,
        },
      );
    });
    expect(trailers["grpc-status"]).toBe("0");
    expect(Buffer.concat(chunks).equals(body)).toBe(true);
    const call = b.handler.forwarded.at(-1);
    expect([call?.context.modelId, call?.headers["x-k"], call?.deadlineMs !== undefined]).toEqual([
      "bound-model",
      "v",
      true,
    ]);
  });

  it("propagates the deadline to the handler", async () => {
    a.handler.onForward = async (call) => {
      await readBody(call);
      await respondFrames(call, []);
    };
    const deadlineMs = Date.now() + 20_000;
    await forwardCollect(client, a.ref, {
      path,
      headers: {},
      body: frame(Buffer.from("d")),
      context: contextFor("m"),
      deadlineMs,
    });
    const seen = a.handler.forwarded.at(-1)?.deadlineMs;
    expect(seen).toBeDefined();
    // grpc-timeout carries a duration: the receiver's deadline is the sender's, give or take transit.
    expect(Math.abs((seen as number) - deadlineMs)).toBeLessThan(5_000);
  });

  it("cancels the handler when the sender aborts, and counts the call in flight meanwhile", async () => {
    let reason: unknown;
    a.handler.onForward = async (call) => {
      reason = await aborted(call.signal);
    };
    const controller = new AbortController();
    const before = a.handler.forwarded.length;
    const failure = forwardFailure(client, a.ref, {
      path,
      headers: {},
      body: frame(Buffer.from("c")),
      context: contextFor("m"),
      signal: controller.signal,
    });
    await waitUntil(() => a.handler.forwarded.length > before, { description: "the call to reach the peer" });
    expect(client.traffic.inFlight("peer-a")).toBe(1);
    controller.abort();
    const { error, started } = await failure;
    expect([error.code, started]).toEqual(["CANCELLED", false]);
    await waitUntil(() => reason !== undefined, { description: "the handler's signal to abort" });
    expect((reason as MeshError).code).toBe("CANCELLED");
    expect(client.traffic.inFlight("peer-a")).toBe(0);
    expect(client.traffic.lastUsedMs("peer-a")).toBeGreaterThan(0);
  });

  it("lets a call in flight finish when its peer leaves the instance table (graceful shutdown)", async () => {
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    a.handler.onForward = async (call) => {
      await readBody(call);
      await released;
      await respondFrames(call, [frame(Buffer.from("last answer"))]);
    };
    const before = a.handler.forwarded.length;
    const answer = forwardCollect(client, a.ref, {
      path,
      headers: {},
      body: frame(Buffer.from("q")),
      context: contextFor("m"),
    });
    await waitUntil(() => a.handler.forwarded.length > before, { description: "the call to reach the peer" });
    // The peer deleted its record (the last step of its shutdown) while still answering.
    directory.retainOnly(new Set(["peer-b"]));
    release();
    const { body } = await answer;
    expect(body.subarray(5).toString()).toBe("last answer");
  });

  const kinds: [string, MeshError][] = [
    ["not found", new MeshError("MODEL_NOT_FOUND", "model not found", { modelId: "m" })],
    [
      "not here",
      new MeshError("MODEL_NOT_HERE", "model m is not loaded in instance peer-a", {
        instanceId: "peer-a",
        modelId: "m",
      }),
    ],
    ["load failure", new MeshError("LOAD_FAILED", "load failed: runtime says no", { instanceId: "peer-a" })],
    ["internal", new MeshError("INTERNAL", "8 retry iterations exhausted")],
    [
      "runtime status",
      new MeshError("RUNTIME_ERROR", "mmesh.ExamplePredictor/predict: INVALID_ARGUMENT: bad input", {
        grpcCode: 3,
      }),
    ],
    ["capacity", new MeshError("CAPACITY_EXHAUSTED", "Cache churn threshold exceeded")],
  ];
  for (const [name, thrown] of kinds) {
    it(`carries a ${name} error across the hop intact, before any response`, async () => {
      a.handler.onForward = async () => {
        throw thrown;
      };
      const { error, started } = await forwardFailure(client, a.ref, {
        path,
        headers: {},
        body: frame(Buffer.from("e")),
        context: contextFor("m"),
      });
      expect(started).toBe(false);
      expect({ code: error.code, message: error.message, details: error.details }).toEqual({
        code: thrown.code,
        message: thrown.message,
        details: { instanceId: "peer-a", ...thrown.details },
      });
    });
  }

  it("ends a response that had started with the error and its kind in the trailers", async () => {
    a.handler.onForward = async (call) => {
      await readBody(call);
      call.stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      call.stream.write(frame(Buffer.from("partial")));
      throw new MeshError("INTERNAL", "runtime went away mid-stream");
    };
    const answer = await forwardCollect(client, a.ref, {
      path,
      headers: {},
      body: frame(Buffer.from("p")),
      context: contextFor("m"),
    });
    expect(answer.body.equals(frame(Buffer.from("partial")))).toBe(true);
    expect(answer.trailers[errorTrailerNames.kind]).toBe("internal");
    expect(answer.trailers["grpc-status"]).toBe("13");
  });

  it("answers not-here when the address now belongs to another instance", async () => {
    const { error } = await forwardFailure(client, a.ref, {
      path,
      headers: {},
      body: frame(Buffer.from("x")),
      context: contextFor("m", { destinationInstanceId: "peer-old" }),
    });
    expect([error.code, error.details.instanceId, error.retryable]).toEqual([
      "MODEL_NOT_HERE",
      "peer-a",
      true,
    ]);
  });

  it("rejects a garbage routing context with INVALID_ARGUMENT, without calling the handler", async () => {
    const connection = directory.connectionFor(a.ref.instanceId, a.ref.record);
    if (!connection.ok) throw connection.error;
    const before = a.handler.forwarded.length;
    const failure = await new Promise<MeshError>((resolve, reject) => {
      connection.value.forwarder.forward(
        {
          path,
          headers: { [contextHeaderNames.modelId]: "m", [contextHeaderNames.hop]: "sideways" },
          body: frame(Buffer.from("g")),
        },
        {
          onHeaders() {},
          onData() {},
          onTrailers: () => reject(new Error("unexpected success")),
          onError: (error) => resolve(error),
        },
      );
    });
    expect(failure.code).toBe("INVALID_ARGUMENT");
    expect(failure.message).toMatch(/mm-internal-hop/);
    expect(a.handler.forwarded.length).toBe(before);
  });

  it("lets routing try the next copy: not-here from one peer, served by the other", async () => {
    a.handler.onForward = async (call) => {
      throw new MeshError("MODEL_NOT_HERE", "gone", { instanceId: "peer-a", modelId: call.context.modelId });
    };
    b.handler.onForward = async (call) => respondFrames(call, [await readBody(call)]);
    const body = frame(Buffer.from("retry me"));
    const request = { path, headers: {}, body, context: contextFor("m") };
    const first = await forwardFailure(client, a.ref, request);
    expect(first.error.retryable).toBe(true);
    const second = await forwardCollect(client, b.ref, {
      ...request,
      context: contextFor("m", { cacheHitExcludes: [{ instanceId: "peer-a", loadTimestampMs: 1 }] }),
    });
    expect(second.body.equals(body)).toBe(true);
  });
});
