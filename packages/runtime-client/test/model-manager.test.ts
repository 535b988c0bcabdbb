import { startExampleRuntime, type TestExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { forwardAndCollect, type RuntimeConnection, runtimeRequestHeaders } from "../src/index.js";
import { closeConnections, connectTo, predictBody } from "./support.js";

let runtime: TestExampleRuntime;
let connection: RuntimeConnection;

beforeAll(async () => {
  runtime = await startExampleRuntime({ name: "mm-main" });
  connection = await connectTo(runtime);
});

afterAll(async () => {
  closeConnections();
  await stopAllProcesses();
});

const load = (c: RuntimeConnection, modelId: string, modelPath: string, signal?: AbortSignal) =>
  c.models.loadModel({
    modelId,
    modelType: "example",
    modelPath,
    ...(signal === undefined ? {} : { signal }),
  });
/** The runtime's events of one model, after every line logged so far has been read. */
const events = async (rt: TestExampleRuntime, event: string, modelId: string) => {
  await rt.syncEvents();
  return rt.events(event).filter((e) => e.modelId === modelId);
};

describe("RuntimeModelManager against the example runtime", () => {
  it("loads, sizes and unloads", async () => {
    const fromFile = await load(connection, "lsu-file", "iris-tree");
    expect(fromFile.sizeBytes).toBeGreaterThan(0);
    const knob = await load(connection, "lsu-knob", "SIZE_777777_0_0");
    expect(knob).toEqual({ sizeBytes: 0, maxConcurrency: 0 });
    expect(await connection.models.modelSize("lsu-knob")).toBe(777_777);
    expect(
      await connection.models.predictModelSize({
        modelId: "lsu-next",
        modelType: "example",
        modelPath: "SIZE_5000_0_0",
      }),
    ).toBe(5000);
    await connection.models.unloadModel("lsu-knob");
    await connection.models.unloadModel("lsu-file");
    expect(connection.models.modelIds()).not.toContain("lsu-knob");
    await expect(connection.models.modelSize("lsu-knob")).rejects.toMatchObject({ code: "MODEL_NOT_HERE" });
  });

  it("reports a failed load as LOAD_FAILED with CODE: message", async () => {
    await expect(load(connection, "lf", "FAIL_no space left")).rejects.toMatchObject({
      code: "LOAD_FAILED",
      message: "INTERNAL: no space left",
      details: { grpcCode: 13, modelId: "lf" },
    });
    await connection.models.unloadModel("lf");
  });

  it("shares one runtime call between concurrent loads of an id and counts references", async () => {
    const [a, b] = await Promise.all([
      load(connection, "rc", "SIZE_1000_200_0"),
      load(connection, "rc", "SIZE_1000_200_0"),
    ]);
    expect(a).toEqual(b);
    expect(await events(runtime, "load-started", "rc")).toHaveLength(1);
    await connection.models.unloadModel("rc");
    expect(await events(runtime, "model-unloaded", "rc")).toHaveLength(0);
    await connection.models.unloadModel("rc");
    expect(await events(runtime, "model-unloaded", "rc")).toHaveLength(1);
  });

  it("cancels a load: the runtime call is cancelled and the model ends unloaded", async () => {
    const controller = new AbortController();
    const loading = load(connection, "cancel-1", "SIZE_1000_5000_0", controller.signal);
    await runtime.waitForEvent("load-started", (e) => e.modelId === "cancel-1");
    controller.abort();
    await expect(loading).rejects.toMatchObject({ code: "CANCELLED" });
    await runtime.waitForEvent("load-cancelled", (e) => e.modelId === "cancel-1");
    // The unload that follows a cancelled load reaches the runtime by itself.
    await runtime.waitForEvent("unload-unknown", (e) => e.modelId === "cancel-1");
    await waitUntil(() => !connection.models.modelIds().includes("cancel-1"));
    await expect(connection.models.modelSize("cancel-1")).rejects.toMatchObject({ code: "MODEL_NOT_HERE" });
  });

  it("rejects a load whose signal is already aborted, without calling the runtime", async () => {
    await expect(load(connection, "pre-aborted", "SIZE_1000_0_0", AbortSignal.abort())).rejects.toMatchObject(
      {
        code: "CANCELLED",
      },
    );
    expect(await events(runtime, "load-started", "pre-aborted")).toHaveLength(0);
    expect(connection.models.modelIds()).not.toContain("pre-aborted");
  });

  it("ignores an unload that has no load left to balance", async () => {
    await load(connection, "extra-unload", "SIZE_1000_0_0");
    await connection.models.unloadModel("extra-unload");
    await connection.models.unloadModel("extra-unload");
    await load(connection, "extra-unload", "SIZE_1000_0_0");
    await connection.models.unloadModel("extra-unload");
    expect(await events(runtime, "load-started", "extra-unload")).toHaveLength(2);
    expect(await events(runtime, "model-unloaded", "extra-unload")).toHaveLength(2);
  });

  it("treats NOT_FOUND from unloadModel as success", async () => {
    const rt = await startExampleRuntime({ name: "mm-notfound", args: ["--unload-return-not-found"] });
    const c = await connectTo(rt);
    await load(c, "nf", "SIZE_1000_0_0");
    // The runtime forgets the model behind the mesh's back (as after a restart).
    await forwardAndCollect(c.forwarder, {
      path: "/mmesh.ExamplePredictor/predict",
      headers: runtimeRequestHeaders({}, "nf"),
      body: predictBody("test:purge-models"),
    });
    await c.models.unloadModel("nf");
    expect(await events(rt, "unload-unknown", "nf")).toHaveLength(1);
    expect(c.models.modelIds()).toEqual([]);
  });

  it("retries a failed unload in the background until it succeeds", async () => {
    const rt = await startExampleRuntime({ name: "mm-unload-retry", args: ["--unload-failures", "2"] });
    const c = await connectTo(rt, { unloadRetry: { intervalMs: 100 } });
    await load(c, "ur", "SIZE_1000_0_0");
    const unloading = c.models.unloadModel("ur");
    await rt.waitForEvent("unload-failed", (e) => e.failuresLeft === 1);
    expect(c.models.pendingUnloadRetries).toBe(1);
    await unloading;
    await rt.syncEvents();
    expect(
      rt
        .events()
        .filter((e) => e.modelId === "ur")
        .map((e) => e.event),
    ).toEqual(["load-started", "model-loaded", "unload-failed", "unload-failed", "model-unloaded"]);
  });

  it("makes a load wait for a pending unload of the same id", async () => {
    const rt = await startExampleRuntime({ name: "mm-unload-wait", args: ["--unload-failures", "1"] });
    const c = await connectTo(rt, { unloadRetry: { intervalMs: 300 } });
    await load(c, "uw", "SIZE_1000_0_0");
    const unloading = c.models.unloadModel("uw");
    await rt.waitForEvent("unload-failed");
    await load(c, "uw", "SIZE_1000_0_0");
    await unloading;
    await rt.syncEvents();
    const order = rt
      .events()
      .filter((e) => e.modelId === "uw")
      .map((e) => e.event);
    expect(order).toEqual([
      "load-started",
      "model-loaded",
      "unload-failed",
      "model-unloaded",
      "load-started",
      "model-loaded",
    ]);
  });

  it("fails a later load with FAILED_PRECONDITION once the unload failed for good", async () => {
    const rt = await startExampleRuntime({ name: "mm-unload-final", args: ["--unload-failures", "100"] });
    const c = await connectTo(rt, { unloadRetry: { intervalMs: 20, maxRetries: 2 } });
    await load(c, "uf", "SIZE_1000_0_0");
    await expect(c.models.unloadModel("uf")).rejects.toMatchObject({
      code: "INTERNAL",
      message: "Unload of model uf failed after 2 retries: INTERNAL: simulated unload failure of model uf",
    });
    expect(await events(rt, "unload-failed", "uf")).toHaveLength(3);
    await expect(load(c, "uf", "SIZE_1000_0_0")).rejects.toMatchObject({
      code: "FAILED_PRECONDITION",
      message: "Prior unload of model uf failed unrecoverably",
    });
  });

  it("stops asking predictModelSize once the runtime says UNIMPLEMENTED", async () => {
    const rt = await startExampleRuntime({ name: "mm-no-predict", args: ["--no-predict-size"] });
    const c = await connectTo(rt);
    const args = { modelId: "p", modelType: "example", modelPath: "SIZE_1_0_0" };
    expect(await c.models.predictModelSize(args)).toBeUndefined();
    expect(await c.models.predictModelSize(args)).toBeUndefined();
    await rt.syncEvents();
    expect(rt.events("predict-size")).toHaveLength(1);
  });
});
