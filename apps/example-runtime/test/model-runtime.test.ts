import { Code } from "@connectrpc/connect";
import { RuntimeStatusResponse_Status } from "@modelmesh/proto";
import { startExampleRuntime, type TestExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientsFor, codeOf, type RuntimeClients } from "./clients.js";

let main: TestExampleRuntime;
let knobs: TestExampleRuntime;
let clients: RuntimeClients;
let udsClients: RuntimeClients;
let knobClients: RuntimeClients;
const opened: RuntimeClients[] = [];

function open(address: { port?: number | undefined; socket?: string | undefined }): RuntimeClients {
  const c = clientsFor(address);
  opened.push(c);
  return c;
}

beforeAll(async () => {
  [main, knobs] = await Promise.all([
    startExampleRuntime({ port: "free", socket: "temp", name: "rt-main" }),
    startExampleRuntime({
      name: "rt-knobs",
      args: ["--max-concurrency", "1", "--allow-any-method", "--unload-failures", "1", "--no-predict-size"],
      env: {
        RS_METHOD_INFOS: "mmesh.ExamplePredictor/predict=1;inference.GRPCInferenceService/ModelInfer=",
        UNLOAD_RETURN_NOT_FOUND: "true",
      },
    }),
  ]);
  clients = open({ port: main.port });
  udsClients = open({ socket: main.socket });
  knobClients = open({ port: knobs.port });
});

afterAll(async () => {
  for (const c of opened) c.close();
  await stopAllProcesses();
});

describe("ModelRuntime", () => {
  it("answers READY with the original's default parameters, on TCP and on the socket", async () => {
    for (const c of [clients, udsClients]) {
      const status = await c.runtime.runtimeStatus({});
      expect(status).toMatchObject({
        status: RuntimeStatusResponse_Status.READY,
        capacityInBytes: 1024n ** 3n,
        defaultModelSizeInBytes: 50n * 1024n ** 2n,
        maxLoadingConcurrency: 6,
        modelLoadingTimeoutMs: 90_000,
        limitModelConcurrency: false,
        allowAnyMethod: false,
      });
      expect(status.methodInfos).toEqual({});
    }
  });

  it("purges loaded models before answering READY", async () => {
    await clients.runtime.loadModel({ modelId: "purge-me", modelPath: "SIZE_1000_0_0" });
    await clients.runtime.runtimeStatus({});
    expect(await codeOf(clients.runtime.modelSize({ modelId: "purge-me" }))).toMatchObject({
      code: Code.NotFound,
    });
  });

  it("reports real sizes: in the load answer for model files, through modelSize for SIZE_ models", async () => {
    const loaded = await clients.runtime.loadModel({ modelId: "sizes-sentiment", modelPath: "sentiment" });
    expect(loaded.sizeInBytes).toBeGreaterThan(1000n);
    expect((await clients.runtime.modelSize({ modelId: "sizes-sentiment" })).sizeInBytes).toBe(
      loaded.sizeInBytes,
    );
    const knob = await clients.runtime.loadModel({ modelId: "sizes-knob", modelPath: "SIZE_123456_0_0" });
    expect(knob.sizeInBytes).toBe(0n);
    expect((await clients.runtime.modelSize({ modelId: "sizes-knob" })).sizeInBytes).toBe(123456n);
  });

  it("takes SIZE_ load and unload times", async () => {
    const start = performance.now();
    await clients.runtime.loadModel({ modelId: "slow-knob", modelPath: "SIZE_1000_300_200" });
    expect(performance.now() - start).toBeGreaterThanOrEqual(290);
    const unloadStart = performance.now();
    await clients.runtime.unloadModel({ modelId: "slow-knob" });
    expect(performance.now() - unloadStart).toBeGreaterThanOrEqual(190);
  });

  it("fails the first load of a FAIL_ path with INTERNAL <msg>, then loads", async () => {
    const first = await codeOf(
      clients.runtime.loadModel({ modelId: "flaky", modelPath: "FAIL_disk on fire" }),
    );
    expect(first).toEqual({ code: Code.Internal, message: "disk on fire" });
    await expect(
      clients.runtime.loadModel({ modelId: "flaky", modelPath: "FAIL_disk on fire" }),
    ).resolves.toBeDefined();
  });

  it("rejects a path with no model with INVALID_ARGUMENT saying where it looked", async () => {
    const error = await codeOf(clients.runtime.loadModel({ modelId: "nowhere", modelPath: "no/such/model" }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.message).toMatch(/no model at "no\/such\/model"/);
  });

  it("honours load cancellation: nothing stays loaded", async () => {
    const controller = new AbortController();
    const load = clients.runtime.loadModel(
      { modelId: "cancel-me", modelPath: "SIZE_1000_5000_0" },
      { signal: controller.signal },
    );
    await main.waitForEvent("load-started", (e) => e.modelId === "cancel-me");
    controller.abort();
    expect((await codeOf(load)).code).toBe(Code.Canceled);
    await main.waitForEvent("load-cancelled", (e) => e.modelId === "cancel-me");
    expect(await codeOf(clients.runtime.modelSize({ modelId: "cancel-me" }))).toMatchObject({
      code: Code.NotFound,
    });
  });

  it("cancels a load when the model is unloaded meanwhile", async () => {
    const load = codeOf(
      clients.runtime.loadModel({ modelId: "unload-while-loading", modelPath: "SIZE_1000_5000_0" }),
    );
    await main.waitForEvent("load-started", (e) => e.modelId === "unload-while-loading");
    await clients.runtime.unloadModel({ modelId: "unload-while-loading" });
    expect((await load).code).toBe(Code.Canceled);
  });

  it("predicts a size from the path", async () => {
    expect(
      (await clients.runtime.predictModelSize({ modelId: "p", modelPath: "SIZE_4242_0_0" })).sizeInBytes,
    ).toBe(4242n);
    expect(
      (await clients.runtime.predictModelSize({ modelId: "p", modelPath: "iris-tree" })).sizeInBytes,
    ).toBeGreaterThan(100n);
  });
});

describe("knobs", () => {
  it("reports methodInfos, allowAnyMethod and limitModelConcurrency", async () => {
    const status = await knobClients.runtime.runtimeStatus({});
    expect(status.allowAnyMethod).toBe(true);
    expect(status.limitModelConcurrency).toBe(true);
    expect(
      Object.fromEntries(Object.entries(status.methodInfos).map(([m, i]) => [m, i.idInjectionPath])),
    ).toEqual({
      "mmesh.ExamplePredictor/predict": [1],
      "inference.GRPCInferenceService/ModelInfer": [],
    });
  });

  it("enforces the per-copy max concurrency it reports", async () => {
    const loaded = await knobClients.runtime.loadModel({
      modelId: "one-at-a-time",
      modelPath: "SIZE_1000_0_0",
    });
    expect(loaded.maxConcurrency).toBe(1);
    const slow = knobClients.predictor.predict({ modelName: "one-at-a-time", text: "test:delay:400" });
    await knobs.waitForEvent("delay-started", (e) => e.modelId === "one-at-a-time");
    const second = await codeOf(knobClients.predictor.predict({ modelName: "one-at-a-time", text: "x" }));
    expect(second.code).toBe(Code.ResourceExhausted);
    await slow;
  });

  it("fails the first unload, answers NOT_FOUND for unknown ids, and has no predictModelSize", async () => {
    await knobClients.runtime.loadModel({ modelId: "sticky", modelPath: "SIZE_1000_0_0" });
    expect((await codeOf(knobClients.runtime.unloadModel({ modelId: "sticky" }))).code).toBe(Code.Internal);
    await knobClients.runtime.unloadModel({ modelId: "sticky" });
    expect((await codeOf(knobClients.runtime.unloadModel({ modelId: "sticky" }))).code).toBe(Code.NotFound);
    expect((await codeOf(knobClients.runtime.predictModelSize({ modelId: "x" }))).code).toBe(
      Code.Unimplemented,
    );
  });
});

describe("not-found forms and start-up states", () => {
  const started: Promise<TestExampleRuntime>[] = [];
  const start = (options: Parameters<typeof startExampleRuntime>[0]) => {
    const p = startExampleRuntime(options);
    started.push(p);
    return p;
  };

  it("answers as Triton or MLServer would for a model that is not loaded", async () => {
    const [triton, mlserver] = await Promise.all([
      start({ name: "rt-triton", env: { TRITON_NOT_FOUND_BEHAVIOUR: "true" } }),
      start({ name: "rt-mlserver", env: { MLSERVER_NOT_FOUND_BEHAVIOUR: "true" } }),
    ]);
    const t = await codeOf(open({ port: triton.port }).predictor.predict({ modelName: "m1", text: "x" }));
    expect(t).toEqual({ code: Code.Unavailable, message: "Request for unknown model: 'm1' is not found" });
    const m = await codeOf(open({ port: mlserver.port }).predictor.predict({ modelName: "m1", text: "x" }));
    expect(m).toEqual({ code: Code.InvalidArgument, message: "Model m1 with version  not found" });
  });

  it("answers STARTING until its start delay has passed, and FAILING when told to", async () => {
    const [slow, failing] = await Promise.all([
      start({ name: "rt-slow", args: ["--start-delay-ms", "700"] }),
      start({ name: "rt-failing", args: ["--status", "failing"] }),
    ]);
    const slowClients = open({ port: slow.port });
    expect((await slowClients.runtime.runtimeStatus({})).status).toBe(RuntimeStatusResponse_Status.STARTING);
    await waitUntil(
      async () => (await slowClients.runtime.runtimeStatus({})).status === RuntimeStatusResponse_Status.READY,
      {
        timeoutMs: 5000,
      },
    );
    expect((await open({ port: failing.port }).runtime.runtimeStatus({})).status).toBe(
      RuntimeStatusResponse_Status.FAILING,
    );
  });
});
