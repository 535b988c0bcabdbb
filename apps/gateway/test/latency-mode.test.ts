import { Code, ConnectError } from "@connectrpc/connect";
import { modelHeader, startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { callHeaders, connect, sizedAnswerRequest, unaryCall } from "@modelmesh/testkit/relay-client";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerLoaded } from "./support.js";

afterAll(stopAllProcesses);

/** How each of `count` parallel slow calls ended: "OK" or the gRPC code name and message. */
async function parallelCalls(
  mesh: TestMesh,
  modelId: string,
  count: number,
  delayMs: number,
): Promise<string[]> {
  const calls = Array.from({ length: count }, () =>
    mesh.predictor.predict({ text: `test:delay:${delayMs}` }, { headers: modelHeader(modelId) }).then(
      () => "OK",
      (error: unknown) => {
        const e = ConnectError.from(error);
        return `${Code[e.code]}: ${e.rawMessage}`;
      },
    ),
  );
  return (await Promise.all(calls)).sort();
}

// Latency-based mode: the runtime says it limits model concurrency (here 2 calls per model, and
// it refuses a third with RESOURCE_EXHAUSTED), so the mesh runs at most that many calls on a copy
// and queues the rest, up to MM_MAX_INFLIGHT_PER_MODEL_COPY.
describe("latency-based mode (limitModelConcurrency)", () => {
  let defaults: TestMesh;
  let bounded: TestMesh;
  beforeAll(async () => {
    const runtime = { args: ["--max-concurrency", "2"] };
    [defaults, bounded] = await Promise.all([
      // Each runtime call logged (once it holds a permit): the deadline test waits for two.
      startMesh({ name: "latency-default", runtime, env: { MM_LOG_EACH_INVOKE: "true" } }),
      startMesh({ name: "latency-bounded", runtime, env: { MM_MAX_INFLIGHT_PER_MODEL_COPY: "3" } }),
    ]);
    await Promise.all([registerLoaded(defaults, "latency-m"), registerLoaded(bounded, "latency-m")]);
  }, 180_000);
  afterAll(async () => {
    await Promise.all([defaults?.stop(), bounded?.stop()]);
  });

  it("queues calls beyond the copy's concurrency instead of passing them to the runtime", async () => {
    // Default bound max(16, 8 × 2) = 16: all 8 calls are admitted, 2 run at a time.
    expect(await parallelCalls(defaults, "latency-m", 8, 400)).toEqual(Array(8).fill("OK"));
  });

  it("refuses calls beyond MM_MAX_INFLIGHT_PER_MODEL_COPY with RESOURCE_EXHAUSTED 'Model queue overload'", async () => {
    // Long calls, so all six reach the mesh while the first three are still admitted.
    expect(await parallelCalls(bounded, "latency-m", 6, 3000)).toEqual([
      "OK",
      "OK",
      "OK",
      "ResourceExhausted: Model queue overload",
      "ResourceExhausted: Model queue overload",
      "ResourceExhausted: Model queue overload",
    ]);
  });

  it("ends a call that waits for a permit past its deadline with DEADLINE_EXCEEDED, at the deadline", async () => {
    // Two slow calls hold both permits; a third with a 500 ms deadline waits behind them.
    const invoked = () => defaults.logs().filter((l) => l.msg?.startsWith("invoking model runtime")).length;
    const before = invoked();
    const slow = parallelCalls(defaults, "latency-m", 2, 4000);
    await waitUntil(() => invoked() === before + 2, { timeoutMs: 3000, description: "both permits taken" });
    // The deadline goes as grpc-timeout only (no client-side timer), so the answer is the mesh's.
    const session = connect(defaults.port);
    const startMs = Date.now();
    const outcome = await unaryCall(
      session,
      { ...callHeaders("latency-m"), "grpc-timeout": "500m" },
      sizedAnswerRequest(16),
      0,
    );
    const tookMs = Date.now() - startMs;
    session.close();
    expect(outcome.status).toBe(String(Code.DeadlineExceeded));
    // Well before the permits come free (4 s): the wait itself honoured the deadline.
    expect(tookMs).toBeLessThan(2500);
    expect(await slow).toEqual(["OK", "OK"]);
  });
});
