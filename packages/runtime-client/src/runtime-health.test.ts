import { create } from "@bufbuild/protobuf";
import { createRecordingLogger } from "@modelmesh/core/store-contract";
import { RuntimeStatusResponse_Status, RuntimeStatusResponseSchema } from "@modelmesh/proto";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterEach, describe, expect, it } from "vitest";
import { RuntimeHealth } from "./runtime-health.js";

const checks: RuntimeHealth[] = [];
afterEach(() => {
  for (const check of checks.splice(0)) check.close();
});

describe("RuntimeHealth", () => {
  it("is ready only while the runtime answers READY, logging each change once", async () => {
    // What the runtime answers next: a status, or a call error (connection refused).
    let answer: RuntimeStatusResponse_Status | Error = RuntimeStatusResponse_Status.READY;
    let calls = 0;
    const logger = createRecordingLogger();
    const health = new RuntimeHealth({
      status: async () => {
        calls++;
        if (answer instanceof Error) throw answer;
        return create(RuntimeStatusResponseSchema, { status: answer });
      },
      intervalMs: 5,
      logger,
    });
    checks.push(health);
    health.start();
    const after = async (next: RuntimeStatusResponse_Status | Error, ready: boolean) => {
      answer = next;
      const seen = calls;
      await waitUntil(() => calls > seen + 2, { timeoutMs: 5000 }); // a few checks of the new answer
      expect(health.ready).toBe(ready);
    };
    await after(RuntimeStatusResponse_Status.READY, true);
    await after(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }), false);
    await after(RuntimeStatusResponse_Status.STARTING, false);
    await after(RuntimeStatusResponse_Status.READY, true);
    expect(logger.lines.map((line) => [line.level, line.fields.problem ?? line.message])).toEqual([
      ["warn", "UNAVAILABLE: ECONNREFUSED: Error: connect ECONNREFUSED"],
      ["warn", "status STARTING"],
      ["info", "model runtime is READY again; readiness restored"],
    ]);
  });
});
