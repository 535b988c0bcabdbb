import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { freePort } from "@modelmesh/testkit/free-port";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { afterAll, describe, expect, it } from "vitest";
import { connectRuntime, forwardAndCollect, runtimeRequestHeaders } from "../src/index.js";
import { closeConnections, connectTo, predictAnswers, predictBody, recordingLogger } from "./support.js";

afterAll(async () => {
  closeConnections();
  await stopAllProcesses();
});

const missingSocket = () => join(mkdtempSync(join(tmpdir(), "mm-none-")), "grpc.sock");

describe("connectRuntime() handshake", () => {
  it("connects over TCP and reads the parameters", async () => {
    const runtime = await startExampleRuntime({ name: "hs-tcp" });
    const connection = await connectTo(runtime);
    expect(connection.managementEndpoint).toEqual({ t: "tcp", host: "127.0.0.1", port: runtime.port });
    expect(connection.servingEndpoint).toEqual(connection.managementEndpoint);
    expect(connection.parameters).toMatchObject({
      capacityBytes: 1024 ** 3,
      defaultModelSizeBytes: 50 * 1024 ** 2,
      loadingConcurrency: 6,
      loadTimeoutMs: 90_000,
      allowAnyMethod: true,
      limitModelConcurrency: false,
      runtimeVersion: "modelmesh-example-runtime/0.1",
    });
  });

  it("connects over a Unix socket", async () => {
    const runtime = await startExampleRuntime({ name: "hs-uds", socket: "temp" });
    const connection = await connectTo(runtime);
    expect(connection.managementEndpoint).toEqual({ t: "uds", path: runtime.socket });
  });

  it("with nothing configured tries the default socket and port, and takes the one that answers", async () => {
    const [onSocket, onPort] = await Promise.all([
      startExampleRuntime({ name: "hs-default-uds", socket: "temp" }),
      startExampleRuntime({ name: "hs-default-tcp" }),
    ]);
    const unusedPort = await freePort();
    const viaSocket = await connectRuntime({
      defaultSocketPath: onSocket.socket ?? "",
      defaultPort: unusedPort,
      startupPollIntervalMs: 50,
    });
    expect(viaSocket.managementEndpoint).toEqual({ t: "uds", path: onSocket.socket });
    viaSocket.close();
    const viaPort = await connectRuntime({
      defaultSocketPath: missingSocket(),
      defaultPort: onPort.port ?? 0,
      startupPollIntervalMs: 50,
    });
    expect(viaPort.managementEndpoint).toEqual({ t: "tcp", host: "localhost", port: onPort.port });
    viaPort.close();
  });

  it("keeps polling while the runtime is not listening yet, and while it says STARTING", async () => {
    const port = await freePort();
    const logger = recordingLogger();
    const connecting = connectRuntime({ port, host: "127.0.0.1", startupPollIntervalMs: 50, logger });
    await expect(
      Promise.race([connecting, new Promise((r) => setTimeout(r, 200, "still waiting"))]),
    ).resolves.toBe("still waiting");
    await startExampleRuntime({ name: "hs-late", port, args: ["--start-delay-ms", "600"] });
    const connection = await connecting;
    connection.close();
    const said = logger.lines.map((l) => l.fields.status ?? l.message);
    expect(said.some((s) => String(s).startsWith("UNAVAILABLE"))).toBe(true);
    expect(said).toContain("model server is starting");
  });

  it("fails at the time limit, saying what each candidate last answered", async () => {
    const [unusedPort, starting] = await Promise.all([
      freePort(),
      startExampleRuntime({ name: "hs-never", socket: "temp", args: ["--start-delay-ms", "600000"] }),
    ]);
    const started = performance.now();
    const error = await connectRuntime({
      defaultPort: unusedPort,
      defaultSocketPath: starting.socket ?? "",
      startupTimeoutMs: 700,
      startupPollIntervalMs: 100,
    }).catch((e: unknown) => e);
    expect(performance.now() - started).toBeGreaterThanOrEqual(690);
    expect(error).toMatchObject({ name: "MeshError", code: "INSTANCE_UNAVAILABLE" });
    expect(String((error as Error).message)).toMatch(
      new RegExp(
        `^Model server container did not start after 700 ms \\(unix:${starting.socket}: STARTING; localhost:${unusedPort}: UNAVAILABLE: ECONNREFUSED`,
      ),
    );
  });

  it("reports every invalid parameter at once", async () => {
    const runtime = await startExampleRuntime({
      name: "hs-invalid",
      args: [
        "--capacity-bytes",
        "1000",
        "--default-model-size-bytes",
        "100",
        "--loading-concurrency",
        "0",
        "--load-timeout-ms",
        "50",
      ],
    });
    const error = await connectTo(runtime).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "MeshError", code: "INVALID_ARGUMENT" });
    const message = (error as Error).message;
    expect(message).toMatch(
      /^Model server at 127\.0\.0\.1:\d+ reported invalid parameters: \(1\) defaultModelSizeInBytes/,
    );
    for (const part of [
      "(2) capacityInBytes must be at least 81920 bytes",
      "(3) maxLoadingConcurrency must be at least 1, got 0",
      "(4) modelLoadingTimeoutMs must be at least 100, got 50",
    ]) {
      expect(message).toContain(part);
    }
  });

  it("aborts when the runtime reports FAILING", async () => {
    const runtime = await startExampleRuntime({ name: "hs-failing", args: ["--status", "failing"] });
    await expect(connectTo(runtime)).rejects.toMatchObject({
      code: "FAILED_PRECONDITION",
      message: expect.stringMatching(/reported failing or unrecognized status during startup: FAILING$/),
    });
  });

  it("sends inference to a separate serving endpoint when configured", async () => {
    const runtime = await startExampleRuntime({ name: "hs-serving", servingPort: "free" });
    const connection = await connectTo(runtime, { servingPort: runtime.servingPort ?? 0 });
    expect(connection.servingEndpoint).toEqual({ t: "tcp", host: "127.0.0.1", port: runtime.servingPort });
    await connection.models.loadModel({ modelId: "m", modelType: "example", modelPath: "SIZE_1000_0_0" });
    const response = await forwardAndCollect(connection.forwarder, {
      path: "/mmesh.ExamplePredictor/predict",
      headers: runtimeRequestHeaders({}, "m"),
      body: predictBody("hi"),
    });
    expect(predictAnswers(response.body)[0]?.results[0]?.category).toBe("classification for hi by model m");
  });
});
