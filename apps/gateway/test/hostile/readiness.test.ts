import { startExampleRuntime, type TestExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { freePort } from "@modelmesh/testkit/free-port";
import { modelHeader, startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sizedModel } from "../support.js";

// `/ready` must say whether this instance can work: 503 while its runtime is gone (killed,
// refusing connections) or answers anything but READY, 200 again once it is back. `/live` stays
// 200 throughout, so Kubernetes does not restart the mesh because its runtime restarts.
const CHECK_INTERVAL_MS = 200;
/** How long a change may take to show (a few check intervals, generous for a loaded machine). */
const BOUND_MS = 10_000;

describe("readiness follows the runtime", () => {
  let runtimePort: number;
  let runtime: TestExampleRuntime;
  let mesh: TestMesh;

  beforeAll(async () => {
    runtimePort = await freePort();
    runtime = await startExampleRuntime({ port: runtimePort });
    mesh = await startMesh({
      runtime: false,
      env: {
        INTERNAL_GRPC_PORT: String(runtimePort),
        MM_RUNTIME_STATUS_CHECK_INTERVAL_MS: String(CHECK_INTERVAL_MS),
      },
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

  it("answers 503 while the runtime is killed or not READY, and 200 once it is back, serving again", async () => {
    const modelId = "ready-model";
    await mesh.management.registerModel({
      modelId,
      modelInfo: { type: "ExampleType", path: sizedModel(1024, 0, 0) },
      loadNow: true,
      sync: true,
    });
    const predict = (text: string) => mesh.predictor.predict({ text }, { headers: modelHeader(modelId) });
    expect((await predict("before")).results[0]?.category).toContain("before");
    expect(await mesh.probe("/ready")).toBe(200);

    // Killed: connections are refused.
    await runtime.process.kill();
    await readyIs(503, "after the runtime was killed");
    expect(await mesh.probe("/live")).toBe(200);
    await waitLogged("model runtime is not READY");

    // Back, but answering FAILING.
    runtime = await startExampleRuntime({ port: runtimePort, args: ["--status", "failing"] });
    await waitUntil(() => mesh.logs().some((line) => String(line.problem).includes("FAILING")), {
      timeoutMs: BOUND_MS,
      description: "a status check of the failing runtime",
    });
    expect(logged("is READY again")).toBe(false);
    expect(await mesh.probe("/ready")).toBe(503);
    expect(await mesh.probe("/live")).toBe(200);
    await runtime.process.kill();

    // Back and READY (a new process: it holds no model).
    runtime = await startExampleRuntime({ port: runtimePort });
    await readyIs(200, "after the runtime came back");
    await waitLogged("model runtime is READY again");
    // The copy the mesh still counted is gone from the runtime: the call reloads it.
    expect((await predict("after")).results[0]?.category).toContain("after");
  });
});
