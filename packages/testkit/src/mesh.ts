import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Client, createClient, type Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ExamplePredictor, ModelMesh } from "@modelmesh/proto";
import {
  type ExampleRuntimeOptions,
  removeSocketDir,
  startExampleRuntime,
  type TestExampleRuntime,
} from "./example-runtime.js";
import { freePort } from "./free-port.js";
import { startTsProcess, type TestProcess } from "./processes.js";
import { waitUntil } from "./wait-until.js";

/** The gateway's entry point, run from source. */
const gatewayEntry = fileURLToPath(new URL("../../../apps/gateway/src/main.ts", import.meta.url));

/** Service name the harness gives its meshes (as the original's single-instance tests). */
export const TEST_SERVICE_NAME = "model-mesh-test";

/** Options for {@link startMesh}. */
export interface StartMeshOptions {
  /**
   * The example runtime to pair the gateway with (its options), or `false` for none (the gateway
   * is then pointed at a port nobody listens on). Default: a runtime on a free TCP port.
   */
  readonly runtime?: ExampleRuntimeOptions | false;
  /** Store: the embedded one in a fresh temp folder (default), or etcd at `endpoint`. */
  readonly store?: { readonly kind: "embedded" } | { readonly kind: "etcd"; readonly endpoint: string };
  /** Environment of the gateway, over the harness defaults (see {@link meshTestEnv}). */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra command-line flags for the gateway. */
  readonly args?: readonly string[];
  /** Wait for `/ready` to answer 200. Default true. */
  readonly waitReady?: boolean;
  /** How long to wait for `/ready`. Default 90 000 ms (a loaded 2-core machine). */
  readonly readyTimeoutMs?: number;
  /** Name in logs. Default "modelmesh". */
  readonly name?: string;
}

/** One JSON line the gateway logged (pino). */
export interface MeshLogLine {
  readonly level: string;
  readonly msg?: string;
  readonly [field: string]: unknown;
}

/** A gateway process (and its example runtime) started for a test, with clients. */
export interface TestMesh {
  readonly gateway: TestProcess;
  /** The paired runtime, unless started with `runtime: false`. */
  readonly runtime?: TestExampleRuntime;
  /** External port (gRPC, Connect, gRPC-Web). */
  readonly port: number;
  readonly probePort: number;
  readonly prestopPort: number;
  /** Internal peer port (`MM_INTERNAL_GRPC_PORT`). */
  readonly internalPort: number;
  /** `http://127.0.0.1:<port>`. */
  readonly baseUrl: string;
  /** `MM_INSTANCE_ID` given to the gateway. */
  readonly instanceId: string;
  /** The embedded store's folder (removed by `stop`), when the embedded store is used. */
  readonly dataDir?: string;
  /** gRPC (HTTP/2) transport to the external port. */
  readonly transport: Transport;
  /** `mmesh.ModelMesh` client over gRPC. */
  readonly management: Client<typeof ModelMesh>;
  /** `mmesh.ExamplePredictor` client over gRPC; pass `{ headers: modelHeader(id) }` per call. */
  readonly predictor: Client<typeof ExamplePredictor>;
  /** Calls a `mmesh.ModelMesh` method with Connect's JSON protocol over HTTP/1.1 (fetch). */
  connectJson(method: string, body: unknown): Promise<{ status: number; body: unknown }>;
  /** Status code of `GET /ready` (or of `/live`), or the connection error's message. */
  probe(path?: "/ready" | "/live"): Promise<number | string>;
  /** The gateway's JSON log lines so far. */
  logs(): MeshLogLine[];
  /** SIGTERM to the gateway, wait for its exit, then stop the runtime and remove the data dir. */
  stop(): Promise<number | string>;
}

/** `{ "mm-model-id": id }`: the header naming the model of an inference call. */
export function modelHeader(modelId: string): Record<string, string> {
  return { "mm-model-id": modelId };
}

/**
 * The environment the harness starts gateways with: free ports, a fixed instance id, quick
 * runtime polling, a short shutdown budget. Tests override any of it with `env`.
 */
export function meshTestEnv(ports: {
  port: number;
  probePort: number;
  prestopPort: number;
  internalPort: number;
}): Record<string, string> {
  return {
    MM_SERVICE_NAME: TEST_SERVICE_NAME,
    MM_SVC_GRPC_PORT: String(ports.port),
    MM_PROBE_PORT: String(ports.probePort),
    MM_PRESTOP_WAIT_PORT: String(ports.prestopPort),
    MM_INTERNAL_GRPC_PORT: String(ports.internalPort),
    MM_INSTANCE_ID: `mm-test-${ports.port}`,
    MM_LOCATION: "127.0.0.1",
    MM_ADVERTISE_ADDRESS: "127.0.0.1",
    MM_RUNTIME_POLL_INTERVAL_MS: "100",
    SHUTDOWN_TIMEOUT_MS: "10000",
    MM_LOG_LEVEL: "info",
  };
}

function parseLogs(output: string): MeshLogLine[] {
  const lines: MeshLogLine[] = [];
  for (const line of output.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed === "object" && parsed !== null && "level" in parsed)
        lines.push(parsed as MeshLogLine);
    } catch {
      // Not a log line.
    }
  }
  return lines;
}

function runtimeEnv(runtime: TestExampleRuntime | undefined, unusedPort: number): Record<string, string> {
  if (runtime === undefined) return { INTERNAL_GRPC_PORT: String(unusedPort) };
  const env: Record<string, string> =
    runtime.socket !== undefined && runtime.port === undefined
      ? { INTERNAL_GRPC_SOCKET_PATH: runtime.socket }
      : { INTERNAL_GRPC_PORT: String(runtime.port) };
  if (runtime.servingPort !== undefined) env.INTERNAL_SERVING_GRPC_PORT = String(runtime.servingPort);
  return env;
}

async function probeStatus(port: number, path: string): Promise<number | string> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
    await response.arrayBuffer();
    return response.status;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Starts an example runtime and a `modelmesh` gateway (from source, as child processes) on free
 * ports with a temp data dir, waits for `/ready`, and returns clients. Always `stop()` it (or
 * rely on `stopAllProcesses` in `afterAll`).
 */
export async function startMesh(options: StartMeshOptions = {}): Promise<TestMesh> {
  // `freePort` releases a port before the gateway binds it: another process may take it in
  // between. Such a start fails with EADDRINUSE and is retried on fresh ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startMeshOnce(options);
    } catch (error) {
      if (attempt >= 3 || !String(error).includes("EADDRINUSE")) throw error;
    }
  }
}

async function startMeshOnce(options: StartMeshOptions): Promise<TestMesh> {
  const runtime = options.runtime === false ? undefined : await startExampleRuntime(options.runtime ?? {});
  const ports = {
    port: await freePort(),
    probePort: await freePort(),
    prestopPort: await freePort(),
    internalPort: await freePort(),
  };
  const store = options.store ?? { kind: "embedded" };
  const dataDir = store.kind === "embedded" ? mkdtempSync(join(tmpdir(), "mm-data-")) : undefined;
  const env: Record<string, string> = {
    ...meshTestEnv(ports),
    ...runtimeEnv(runtime, await freePort()),
    ...(store.kind === "etcd" ? { KV_STORE: `etcd:${store.endpoint}` } : { MM_DATA_DIR: dataDir ?? "" }),
    ...options.env,
  };
  const gateway = startTsProcess({
    name: options.name ?? "modelmesh",
    entry: gatewayEntry,
    args: options.args ?? [],
    env,
    keepLines: 5000,
  });
  const baseUrl = `http://127.0.0.1:${ports.port}`;
  const transport = createGrpcTransport({ baseUrl });
  const stop = async () => {
    const code = await gateway.stop({ timeoutMs: 20_000 });
    await runtime?.stop();
    if (options.runtime && options.runtime.socket === "temp" && runtime?.socket)
      removeSocketDir(runtime.socket);
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
    return code;
  };
  const mesh: TestMesh = {
    gateway,
    ...(runtime === undefined ? {} : { runtime }),
    ...ports,
    baseUrl,
    instanceId: env.MM_INSTANCE_ID ?? "",
    ...(dataDir === undefined ? {} : { dataDir }),
    transport,
    management: createClient(ModelMesh, transport),
    predictor: createClient(ExamplePredictor, transport),
    async connectJson(method, body) {
      const response = await fetch(`${baseUrl}/mmesh.ModelMesh/${method}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text === "" ? undefined : (JSON.parse(text) as unknown) };
    },
    probe: (path = "/ready") => probeStatus(ports.probePort, path),
    logs: () => parseLogs(gateway.output()),
    stop,
  };
  if (options.waitReady ?? true) {
    try {
      await waitUntil(
        async () => {
          if (gateway.hasExited()) throw new Error(`gateway exited:\n${gateway.output()}`);
          return (await mesh.probe()) === 200;
        },
        { timeoutMs: options.readyTimeoutMs ?? 90_000, intervalMs: 100, description: "modelmesh /ready" },
      );
    } catch (error) {
      await stop();
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${gateway.output()}`);
    }
  }
  return mesh;
}
