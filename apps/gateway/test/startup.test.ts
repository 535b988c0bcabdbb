import { fileURLToPath } from "node:url";
import { startExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { freePort } from "@modelmesh/testkit/free-port";
import { startMesh } from "@modelmesh/testkit/mesh";
import { startTsProcess, stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, describe, expect, it } from "vitest";

const entry = fileURLToPath(new URL("../src/main.ts", import.meta.url));

afterAll(stopAllProcesses);

describe("modelmesh start-up", () => {
  it("reports every configuration problem in one run and exits with code 2", async () => {
    const child = startTsProcess({
      name: "modelmesh-invalid",
      entry,
      args: ["--bogus=1"],
      env: {
        MM_SVC_GRPC_PORT: "80x",
        MM_PROBE_PORT: "99999",
        KV_STORE: "etcd:http://127.0.0.1:2379",
        INTERNAL_GRPC_PORT: "8085",
        INTERNAL_GRPC_SOCKET_PATH: "/tmp/x.sock",
      },
    });
    expect(await child.exited).toBe(2);
    const output = child.output();
    for (const expected of [
      "invalid configuration (5 problems)",
      'MM_SVC_GRPC_PORT="80x": must be a whole number',
      'MM_PROBE_PORT="99999": must be between 1 and 65535',
      "MM_SERVICE_NAME is required when KV_STORE is etcd",
      "INTERNAL_GRPC_PORT and INTERNAL_GRPC_SOCKET_PATH are mutually exclusive; set one",
      "unknown option --bogus (see --help)",
    ]) {
      expect(output).toContain(expected);
    }
  });

  it("prints every option for --help and exits 0", async () => {
    const child = startTsProcess({ name: "modelmesh-help", entry, args: ["--help"] });
    expect(await child.exited).toBe(0);
    expect(child.output()).toContain("MM_SVC_GRPC_PORT");
    expect(child.output()).toContain("SHUTDOWN_TIMEOUT_MS");
  });

  it("exits non-zero with a clear error when the runtime never comes up", async () => {
    const mesh = await startMesh({
      runtime: false,
      env: { MM_RUNTIME_STARTUP_TIMEOUT_MS: "1500" },
      waitReady: false,
    });
    const code = await mesh.gateway.exited;
    expect(code, mesh.gateway.output()).toBe(1);
    const failure = mesh.logs().find((l) => l.level === "error");
    expect(failure?.msg, mesh.gateway.output()).toMatch(
      /^Service startup failed: Model server container did not start after 1500 ms/,
    );
    await mesh.stop();
  });

  it("answers /ready 503 until the runtime handshake is done, then 200", async () => {
    const runtimePort = await freePort();
    const mesh = await startMesh({
      runtime: false,
      env: { INTERNAL_GRPC_PORT: String(runtimePort) },
      waitReady: false,
    });
    await waitUntil(async () => (await mesh.probe("/live")) === 200, {
      timeoutMs: 30_000,
      description: "/live",
    });
    // No runtime yet: alive, not ready.
    expect(await mesh.probe("/ready")).toBe(503);
    const runtime = await startExampleRuntime({ port: runtimePort });
    await waitUntil(async () => (await mesh.probe("/ready")) === 200, {
      timeoutMs: 30_000,
      description: "/ready after the runtime came up",
    });
    expect(await mesh.stop()).toBe(0);
    await runtime.stop();
  });
});
