import { setTimeout as sleep } from "node:timers/promises";
import { startExampleRuntime, type TestExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { freePort } from "@modelmesh/testkit/free-port";
import { modelHeader, startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sizedModel } from "../support.js";

// `/ready` must say whether this instance can work: 503 while its runtime is gone (killed,
// refusing connections, frozen), 200 again once it answers. `/live` stays 200 throughout, so
// Kubernetes does not restart the mesh because its runtime restarts. The check must leave the
// runtime alone: a runtime answers `runtimeStatus` by forgetting every model it holds.
const CHECK_INTERVAL_MS = 500;
/** How long a change may take to show (a few check intervals, generous for a loaded machine). */
const BOUND_MS = 15_000;

describe("readiness follows the runtime", () => {
  let runtimePort: number;
  let runtime: TestExampleRuntime;
  let mesh: TestMesh;
  const modelId = "ready-model";

  beforeAll(async () => {
    runtimePort = await freePort();
    runtime = await startExampleRuntime({ port: runtimePort });
    mesh = await startMesh({
      runtime: false,
      env: {
        INTERNAL_GRPC_PORT: String(runtimePort),
        MM_RUNTIME_HEALTH_CHECK_INTERVAL_MS: String(CHECK_INTERVAL_MS),
      },
    });
    await mesh.management.registerModel({
      modelId,
      modelInfo: { type: "ExampleType", path: sizedModel(1024, 0, 0) },
      loadNow: true,
      sync: true,
    });
  });
  afterAll(async () => {
    await mesh?.stop();
    await stopAllProcesses();
  });

  const readyIs = (status: number, what: string) =>
    waitUntil(async () => (await mesh.probe("/ready")) === status, {
      timeoutMs: BOUND_MS,
      description: `/ready ${status} ${what}`,
    });
  const logged = (message: string) => mesh.logs().some((line) => line.msg?.includes(message));
  /** Log lines reach this process through a pipe, a moment after the gateway acted on them. */
  const waitLogged = (message: string) =>
    waitUntil(() => logged(message), { timeoutMs: BOUND_MS, description: `log "${message}"` });
  const predict = (text: string) => mesh.predictor.predict({ text }, { headers: modelHeader(modelId) });

  it("checks a healthy runtime without disturbing it: no purge, no reload, /ready 200", async () => {
    expect((await predict("before")).results[0]?.category).toContain("before");
    // Time must pass for checks to happen: ten check intervals.
    await sleep(10 * CHECK_INTERVAL_MS);
    await runtime.syncEvents();
    expect(runtime.events("models-purged")).toEqual([]);
    expect(runtime.events("load-started").filter((e) => e.modelId === modelId)).toHaveLength(1);
    expect((await predict("still")).results[0]?.category).toContain("still");
    expect(await mesh.probe("/ready")).toBe(200);
    expect(logged("does not answer")).toBe(false);
  });

  it("answers 503 while the runtime is frozen, and 200 once it runs again", async () => {
    process.kill(runtime.process.pid, "SIGSTOP");
    try {
      await readyIs(503, "while the runtime is frozen");
      expect(await mesh.probe("/live")).toBe(200);
    } finally {
      process.kill(runtime.process.pid, "SIGCONT");
    }
    await readyIs(200, "after the runtime was thawed");
    await waitLogged("model runtime answers again");
  });

  it("answers 503 while the runtime is killed, and 200 once it is back, serving again", async () => {
    await runtime.process.kill();
    await readyIs(503, "after the runtime was killed");
    expect(await mesh.probe("/live")).toBe(200);
    await waitLogged("model runtime does not answer");

    // Back (a new process: it holds no model).
    runtime = await startExampleRuntime({ port: runtimePort });
    await readyIs(200, "after the runtime came back");
    // The copy the mesh still counted is gone from the runtime: the call reloads it.
    expect((await predict("after")).results[0]?.category).toContain("after");
  });
});
