import { ModelRuntime } from "@modelmesh/proto";
import { startExampleRuntime, type TestExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { freePort } from "@modelmesh/testkit/free-port";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Http2SessionPool, http2TargetFor } from "../src/forwarder/session-pool.js";
import { GrpcCode } from "../src/grpc-status.js";
import { RuntimeManagementClient, statusOfCallError } from "../src/index.js";
import { callUnary } from "../src/unary-call.js";

let runtime: TestExampleRuntime;
let pool: Http2SessionPool;
let client: RuntimeManagementClient;

beforeAll(async () => {
  runtime = await startExampleRuntime({ name: "unary-main" });
  const endpoint = { t: "tcp", host: "127.0.0.1", port: runtime.port ?? 0 } as const;
  pool = new Http2SessionPool(http2TargetFor(endpoint));
  client = new RuntimeManagementClient(endpoint);
});

afterAll(async () => {
  pool.close();
  client.close();
  await stopAllProcesses();
});

/** The gRPC status a call rejected with (fails the test when it succeeded). */
async function statusOf(call: Promise<unknown>) {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeDefined();
  return statusOfCallError(error);
}

describe("management calls as plain gRPC unary calls", () => {
  it("encodes the request and decodes the answer", async () => {
    const answer = await callUnary(
      pool,
      ModelRuntime.method.predictModelSize,
      { modelId: "u-predict", modelType: "example", modelPath: "SIZE_4321_0_0" },
      { timeoutMs: 10_000 },
    );
    expect(Number(answer.sizeInBytes)).toBe(4321);
  });

  it("passes the runtime's error code and message on", async () => {
    const status = await statusOf(client.modelSize("u-never-loaded", 10_000));
    expect(status.code).toBe(GrpcCode.NOT_FOUND);
    expect(status.message).toContain("u-never-loaded");
  });

  it("ends a call at its deadline with DEADLINE_EXCEEDED", async () => {
    const call = callUnary(
      pool,
      ModelRuntime.method.loadModel,
      { modelId: "u-slow", modelType: "example", modelPath: "SIZE_1000_5000_0" },
      { timeoutMs: 100 },
    );
    expect(await statusOf(call)).toEqual({
      code: GrpcCode.DEADLINE_EXCEEDED,
      message: "the operation timed out",
    });
  });

  it("cancels a call when its signal aborts", async () => {
    const controller = new AbortController();
    const call = client.loadModel(
      { modelId: "u-cancel", modelType: "example", modelPath: "SIZE_1000_5000_0", modelKey: "" },
      controller.signal,
    );
    setTimeout(() => controller.abort(), 100);
    expect((await statusOf(call)).code).toBe(GrpcCode.CANCELLED);
  });

  it("reports a runtime that is not listening as UNAVAILABLE with the connection error", async () => {
    const port = await freePort();
    const absent = new RuntimeManagementClient({ t: "tcp", host: "127.0.0.1", port });
    try {
      const status = await statusOf(absent.runtimeStatus(5000));
      expect(status.code).toBe(GrpcCode.UNAVAILABLE);
      expect(status.message).toMatch(/^ECONNREFUSED: /);
    } finally {
      absent.close();
    }
  });
});
