import { startExampleRuntime, type TestExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { freePort } from "@modelmesh/testkit/free-port";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RuntimeManagementClient } from "../src/index.js";

// The readiness check's probe: an HTTP/2 PING on the management connection. It must tell a
// runtime that answers from one that is gone or frozen, and never change the runtime's state.
let runtime: TestExampleRuntime;
let client: RuntimeManagementClient;

beforeAll(async () => {
  runtime = await startExampleRuntime({ name: "ping" });
  client = new RuntimeManagementClient({ t: "tcp", host: "127.0.0.1", port: runtime.port ?? 0 });
  await client.loadModel(
    { modelId: "kept", modelType: "example", modelPath: "SIZE_1000_0_0", modelKey: "" },
    new AbortController().signal,
  );
});

afterAll(async () => {
  client?.close();
  await stopAllProcesses();
});

describe("RuntimeManagementClient.ping()", () => {
  it("resolves while the runtime answers, and leaves its models loaded", async () => {
    for (let i = 0; i < 5; i++) await client.ping(5000);
    await runtime.syncEvents();
    expect(runtime.events("models-purged")).toEqual([]);
    expect(await client.modelSize("kept", 5000)).toBeGreaterThan(0);
  });

  it("rejects within its timeout while the runtime is frozen, and resolves once it runs again", async () => {
    process.kill(runtime.process.pid, "SIGSTOP");
    try {
      const started = Date.now();
      await expect(client.ping(300)).rejects.toThrow(/did not answer an HTTP\/2 PING within 300 ms/);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      process.kill(runtime.process.pid, "SIGCONT");
    }
    await client.ping(5000);
  });

  it("rejects when nothing listens", async () => {
    const nobody = new RuntimeManagementClient({ t: "tcp", host: "127.0.0.1", port: await freePort() });
    try {
      await expect(nobody.ping(5000)).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      nobody.close();
    }
  });
});
