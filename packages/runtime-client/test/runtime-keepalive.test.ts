import { startExampleRuntime, type TestExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  forwardAndCollect,
  GrpcCode,
  type RuntimeConnection,
  RuntimeManagementClient,
  runtimeRequestHeaders,
  statusOfCallError,
} from "../src/index.js";
import { closeConnections, connectTo, predictBody } from "./support.js";

/** PINGs every 200 ms, each allowed 500 ms: a frozen runtime is noticed within 0.7 s. */
const keepAlive = { keepAliveIntervalMs: 200, keepAliveTimeoutMs: 500 };

/** Far above interval + timeout, so only a call that never ends reaches it. */
const GUARD_MS = 15_000;

/** `promise`'s rejection, its value, or "still waiting" after `guardMs`. */
async function settledWithin<T>(promise: Promise<T>, guardMs: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve("still waiting"), guardMs);
  });
  try {
    return await Promise.race([promise.catch((error: unknown) => error), guard]);
  } finally {
    clearTimeout(timer);
  }
}

let runtime: TestExampleRuntime;
let connection: RuntimeConnection;
let management: RuntimeManagementClient;
let frozen = false;

const freeze = () => {
  process.kill(runtime.process.pid, "SIGSTOP");
  frozen = true;
};
const thaw = () => {
  if (frozen) process.kill(runtime.process.pid, "SIGCONT");
  frozen = false;
};

beforeAll(async () => {
  runtime = await startExampleRuntime({ name: "keepalive" });
  connection = await connectTo(runtime, keepAlive);
  await connection.models.loadModel({ modelId: "echo", modelType: "example", modelPath: "SIZE_1000_0_0" });
  management = new RuntimeManagementClient(
    { t: "tcp", host: "127.0.0.1", port: runtime.port ?? 0 },
    keepAlive,
  );
});

afterAll(async () => {
  thaw();
  management?.close();
  closeConnections();
  await stopAllProcesses();
});

// A runtime stopped with SIGSTOP keeps its connections open and answers nothing; without
// keep-alive PINGs a call without a deadline (loads, unloads, inference without grpc-timeout)
// would wait forever.
describe("keep-alive PINGs to a frozen runtime", () => {
  it("fail calls in flight on both the management and the inference connection, which work again after SIGCONT", async () => {
    await management.modelSize("echo", 10_000);
    const predict = () =>
      forwardAndCollect(connection.forwarder, {
        path: "/mmesh.ExamplePredictor/predict",
        headers: runtimeRequestHeaders({ "content-type": "application/grpc" }, "echo"),
        body: predictBody("frozen?"),
      });
    await predict();
    freeze();
    const [load, call] = await Promise.all([
      settledWithin(
        management.loadModel(
          { modelId: "late", modelType: "example", modelPath: "SIZE_1000_0_0", modelKey: "" },
          new AbortController().signal,
        ),
        GUARD_MS,
      ),
      settledWithin(predict(), GUARD_MS),
    ]);
    expect(load).toBeInstanceOf(Error);
    expect(statusOfCallError(load).code, String(load)).toBe(GrpcCode.UNAVAILABLE);
    expect(call).toMatchObject({ name: "MeshError", code: "INSTANCE_UNAVAILABLE" });
    thaw();
    expect(await management.modelSize("echo", 10_000)).toBeGreaterThan(0);
    expect((await predict()).headers[":status"]).toBe(200);
  });
});
