import { createRecordingLogger } from "@modelmesh/core/store-contract";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterEach, describe, expect, it } from "vitest";
import { RuntimeHealth } from "./runtime-health.js";

const checks: RuntimeHealth[] = [];
afterEach(() => {
  for (const check of checks.splice(0)) check.close();
});

describe("RuntimeHealth", () => {
  it("is ready only while the runtime answers, logging each change once", async () => {
    // What the probe does next: answer, or fail with this error.
    let failure: Error | undefined;
    let probes = 0;
    const logger = createRecordingLogger();
    const health = new RuntimeHealth({
      probe: async () => {
        probes++;
        if (failure !== undefined) throw failure;
      },
      intervalMs: 5,
      logger,
    });
    checks.push(health);
    health.start();
    const after = async (next: Error | undefined, ready: boolean) => {
      failure = next;
      const seen = probes;
      await waitUntil(() => probes > seen + 2, { timeoutMs: 5000 }); // a few checks of the new answer
      expect(health.ready).toBe(ready);
    };
    await after(undefined, true);
    await after(new Error("connect ECONNREFUSED 127.0.0.1:8085"), false);
    await after(new Error("did not answer an HTTP/2 PING within 5 ms"), false);
    await after(undefined, true);
    expect(logger.lines.map((line) => [line.level, line.fields.problem ?? line.message])).toEqual([
      ["warn", "connect ECONNREFUSED 127.0.0.1:8085"],
      ["info", "model runtime answers again; readiness restored"],
    ]);
  });

  it("stops probing once closed", async () => {
    let probes = 0;
    const health = new RuntimeHealth({ probe: async () => void probes++, intervalMs: 5 });
    checks.push(health);
    health.start();
    await waitUntil(() => probes > 1, { timeoutMs: 5000 });
    health.close();
    const seen = probes;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(probes).toBeLessThanOrEqual(seen + 1);
  });
});
