import { Code, ConnectError } from "@connectrpc/connect";
import { modelHeader, startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerLoaded } from "../support.js";

/** PINGs to the runtime every 300 ms, each allowed 700 ms: a frozen runtime is noticed within 1 s. */
const KEEPALIVE_ENV = { MM_RUNTIME_KEEPALIVE_INTERVAL_MS: "300", MM_RUNTIME_KEEPALIVE_TIMEOUT_MS: "700" };

/**
 * Longest a call to the frozen runtime may take before it fails: one keep-alive period (1 s) per
 * attempt routing makes, plus ample slack for a loaded 2-core machine. Without keep-alive the call
 * never ends, which the guard below turns into a failure.
 */
const FAIL_WITHIN_MS = 20_000;

afterAll(stopAllProcesses);

/** The call's outcome: its error (or "ok"), or "still waiting" when the guard ran out first. */
async function outcomeWithin(call: (signal: AbortSignal) => Promise<unknown>, guardMs: number) {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<"still waiting">((resolve) => {
    timer = setTimeout(() => resolve("still waiting"), guardMs);
  });
  try {
    return await Promise.race([
      call(controller.signal).then(
        () => "ok" as const,
        (error: unknown) => error,
      ),
      guard,
    ]);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

// A runtime stopped with SIGSTOP keeps its sockets open and answers nothing. The gateway's
// keep-alive PINGs notice it, so calls without a deadline fail with UNAVAILABLE instead of
// hanging; the gateway itself stays healthy, and once the runtime runs again calls are served.
describe("frozen runtime", () => {
  let mesh: TestMesh;
  const modelId = "frozen-model";
  let frozen = false;
  const runtimePid = () => {
    const pid = mesh.runtime?.process.pid;
    if (pid === undefined) throw new Error("no runtime");
    return pid;
  };
  const thaw = () => {
    if (frozen) process.kill(runtimePid(), "SIGCONT");
    frozen = false;
  };

  beforeAll(async () => {
    mesh = await startMesh({ env: KEEPALIVE_ENV });
    await registerLoaded(mesh, modelId);
  });
  afterAll(async () => {
    thaw();
    expect(await mesh.stop()).toBe(0);
  });

  const predict = (signal?: AbortSignal) =>
    mesh.predictor.predict(
      { text: "frozen?" },
      { headers: modelHeader(modelId), ...(signal === undefined ? {} : { signal }) },
    );

  it("fails a call without a deadline with UNAVAILABLE while the runtime is frozen", async () => {
    await predict();
    process.kill(runtimePid(), "SIGSTOP");
    frozen = true;
    const startMs = Date.now();
    const outcome = await outcomeWithin(predict, FAIL_WITHIN_MS);
    const tookMs = Date.now() - startMs;
    expect(outcome, "the call to the frozen runtime should have failed").toBeInstanceOf(ConnectError);
    const error = outcome as ConnectError;
    expect(Code[error.code], error.rawMessage).toBe("Unavailable");
    expect(tookMs).toBeLessThan(FAIL_WITHIN_MS);
    // The gateway itself is fine: alive, and management calls that need no runtime are served.
    expect(mesh.gateway.hasExited()).toBe(false);
    expect(await mesh.probe("/live")).toBe(200);
    const status = await mesh.management.getModelStatus({ modelId }, { timeoutMs: 10_000 });
    expect(status).toBeDefined();
  });

  it("serves calls again once the runtime runs again", async () => {
    thaw();
    const response = await waitUntil(() => predict().catch(() => undefined), {
      timeoutMs: 30_000,
      intervalMs: 200,
      description: "a call served after SIGCONT",
    });
    expect(response.results[0]?.category).toBe(`classification for frozen? by model ${modelId}`);
    expect(mesh.gateway.hasExited()).toBe(false);
  });
});
