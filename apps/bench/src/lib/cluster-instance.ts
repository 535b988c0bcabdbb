import { fileURLToPath } from "node:url";
import { createClient, type Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ExamplePredictor, ModelMesh } from "@modelmesh/proto";
import { startExampleRuntime, type TestExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { freePort } from "@modelmesh/testkit/free-port";
import { meshTestEnv } from "@modelmesh/testkit/mesh";
import { startProcess, type TestProcess, tsNodeArgs } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";

/** The gateway's entry point, run from source when `BENCH_GATEWAY_JS` is not set. */
const gatewayEntry = fileURLToPath(new URL("../../../gateway/src/main.ts", import.meta.url));

/** Options for {@link startClusterInstance}. */
export interface ClusterInstanceOptions {
  /** Name in logs, e.g. "mm-0". */
  readonly name: string;
  /** etcd client URL shared by the cluster (`http://127.0.0.1:<port>`). */
  readonly etcdEndpoint: string;
  /** Gateway environment over the harness defaults (service name, timings, thresholds). */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra example-runtime flags (e.g. `--capacity-bytes`). */
  readonly runtimeArgs?: readonly string[];
  /** How long to wait for `/ready`. Default 120 000 ms (a loaded 2-core machine). */
  readonly readyTimeoutMs?: number;
}

/** One cluster member as a pod would be: an example runtime plus a gateway, on free loopback ports. */
export interface ClusterInstance {
  readonly name: string;
  /** `MM_INSTANCE_ID` (unique per start: a restarted member is a new instance, as a new pod is). */
  readonly instanceId: string;
  readonly gateway: TestProcess;
  readonly runtime: TestExampleRuntime;
  /** External gRPC port. */
  readonly port: number;
  /** Probe port (`/ready`, `/live`). */
  readonly probePort: number;
  /** Internal peer port (`MM_INTERNAL_GRPC_PORT`). */
  readonly internalPort: number;
  /** gRPC transport to the external port. */
  readonly transport: Transport;
  readonly management: ReturnType<typeof createClient<typeof ModelMesh>>;
  readonly predictor: ReturnType<typeof createClient<typeof ExamplePredictor>>;
  /** True when `GET /ready` answers 200 within `timeoutMs`. */
  ready(timeoutMs?: number): Promise<boolean>;
  /** SIGTERM to the gateway, wait for its exit (up to `timeoutMs`, then SIGKILL), then stop the runtime. */
  stop(timeoutMs?: number): Promise<number | string>;
  /** SIGKILL to the gateway (a crash); the runtime keeps running until {@link stop}. */
  kill(): Promise<number | string>;
}

/** `GET http://127.0.0.1:<port>/ready` → true on 200. Never throws. */
export async function probeReady(probePort: number, timeoutMs = 2000): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${probePort}/ready`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/**
 * Starts one cluster member: an example runtime on a free port, then a gateway process on etcd
 * (the built JS from `BENCH_GATEWAY_JS` when set, else the source through tsx) with the test
 * harness's environment plus `env`, and waits until its `/ready` answers 200.
 */
export async function startClusterInstance(options: ClusterInstanceOptions): Promise<ClusterInstance> {
  const runtime = await startExampleRuntime({
    name: `${options.name}-runtime`,
    port: "free",
    args: options.runtimeArgs ?? [],
  });
  const ports = {
    port: await freePort(),
    probePort: await freePort(),
    prestopPort: await freePort(),
    internalPort: await freePort(),
  };
  const env: Record<string, string> = {
    ...meshTestEnv(ports),
    INTERNAL_GRPC_PORT: String(runtime.port),
    KV_STORE: `etcd:${options.etcdEndpoint}`,
    ...options.env,
  };
  const builtEntry = process.env.BENCH_GATEWAY_JS;
  const gateway = startProcess({
    name: options.name,
    command: process.execPath,
    args: builtEntry === undefined ? tsNodeArgs(gatewayEntry) : [builtEntry],
    env,
    keepLines: 2000,
  });
  const stop = async (timeoutMs = 60_000) => {
    const code = await gateway.stop({ timeoutMs });
    await runtime.stop();
    return code;
  };
  try {
    await waitUntil(
      async () => {
        if (gateway.hasExited()) throw new Error(`${options.name} exited:\n${gateway.output()}`);
        return probeReady(ports.probePort);
      },
      {
        timeoutMs: options.readyTimeoutMs ?? 120_000,
        intervalMs: 100,
        description: `${options.name} /ready`,
      },
    );
  } catch (error) {
    await stop(5000);
    throw error;
  }
  const transport = createGrpcTransport({ baseUrl: `http://127.0.0.1:${ports.port}` });
  return {
    name: options.name,
    instanceId: env.MM_INSTANCE_ID ?? "",
    gateway,
    runtime,
    port: ports.port,
    probePort: ports.probePort,
    internalPort: ports.internalPort,
    transport,
    management: createClient(ModelMesh, transport),
    predictor: createClient(ExamplePredictor, transport),
    ready: (timeoutMs) => probeReady(ports.probePort, timeoutMs),
    stop,
    kill: () => gateway.kill(),
  };
}
