import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Client, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ModelMesh } from "@modelmesh/proto";
import type { TestExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { freePort } from "@modelmesh/testkit/free-port";
import { meshTestEnv } from "@modelmesh/testkit/mesh";
import { startProcess, type TestProcess, tsNodeArgs } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";

/** The gateway's entry point, run from source (as the test harness runs it). */
const gatewayEntry = fileURLToPath(new URL("../../../gateway/src/main.ts", import.meta.url));

/** Options for {@link startBenchMesh}. */
export interface BenchMeshOptions {
  /** The runtime the gateway pairs with (already running; benchmarks share it between legs). */
  readonly runtime: TestExampleRuntime;
  /**
   * Store: the embedded one (in `dataDir`, else a fresh temp folder; removed by `stop` either
   * way), or etcd at `endpoint`.
   */
  readonly store:
    | { readonly kind: "embedded"; readonly dataDir?: string }
    | { readonly kind: "etcd"; readonly endpoint: string };
  /** Extra gateway environment (over the test harness's defaults). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Write a V8 CPU profile of the gateway (`node --cpu-prof`) into this folder when it exits.
   * Also enabled by env `BENCH_CPU_PROF_DIR`.
   */
  readonly cpuProfileDir?: string;
  /** Extra Node flags for the gateway process (e.g. `--heapsnapshot-signal=SIGUSR2`). */
  readonly nodeFlags?: readonly string[];
  /** Name in logs. Default "modelmesh". */
  readonly name?: string;
}

/** A gateway process started for a benchmark. */
export interface BenchMesh {
  readonly gateway: TestProcess;
  /** External port (gRPC, Connect). */
  readonly port: number;
  /** The `MM_SERVICE_NAME` it runs with. */
  readonly serviceName: string;
  /** `mmesh.ModelMesh` over gRPC on the external port. */
  readonly management: Client<typeof ModelMesh>;
  /** SIGTERM, wait for the exit (the CPU profile is written then), remove the data folder. */
  stop(): Promise<number | string>;
}

async function probeReady(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(5000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/**
 * Starts a `modelmesh` gateway process from source in front of an already running example
 * runtime, with the test harness's environment (free ports, quick runtime polling), waits for
 * `/ready`, and returns a management client. Log level stays `info`, the production default (a
 * cache hit logs nothing). Unlike the harness's `startMesh`, it can pass Node flags (CPU profile).
 */
export async function startBenchMesh(options: BenchMeshOptions): Promise<BenchMesh> {
  const ports = {
    port: await freePort(),
    probePort: await freePort(),
    prestopPort: await freePort(),
    internalPort: await freePort(),
  };
  const dataDir =
    options.store.kind === "embedded"
      ? (options.store.dataDir ?? mkdtempSync(join(tmpdir(), "mm-bench-data-")))
      : undefined;
  const env: Record<string, string> = {
    ...meshTestEnv(ports),
    ...(options.runtime.port !== undefined
      ? { INTERNAL_GRPC_PORT: String(options.runtime.port) }
      : { INTERNAL_GRPC_SOCKET_PATH: options.runtime.socket ?? "" }),
    ...(options.store.kind === "etcd"
      ? { KV_STORE: `etcd:${options.store.endpoint}` }
      : { MM_DATA_DIR: dataDir ?? "" }),
    // Unset would mean StatsD datagrams on every call; benchmarks measure metrics explicitly.
    MM_METRICS: "disabled",
    ...options.env,
  };
  const profileDir = options.cpuProfileDir ?? process.env.BENCH_CPU_PROF_DIR;
  if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true });
  const nodeFlags = [
    ...(profileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${profileDir}`]),
    ...(options.nodeFlags ?? []),
  ];
  // BENCH_GATEWAY_JS: run this plain-JS build of the gateway instead of the source through tsx.
  // `pnpm bench` (scripts/bench) builds apps/gateway and sets it to apps/gateway/dist/main.js.
  const builtEntry = process.env.BENCH_GATEWAY_JS;
  const gateway = startProcess({
    name: options.name ?? "modelmesh",
    command: process.execPath,
    args: [...nodeFlags, ...(builtEntry === undefined ? tsNodeArgs(gatewayEntry) : [builtEntry])],
    env,
    keepLines: 2000,
  });
  const stop = async () => {
    const code = await gateway.stop({ timeoutMs: 30_000 });
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
    return code;
  };
  try {
    await waitUntil(
      async () => {
        if (gateway.hasExited()) throw new Error(`gateway exited:\n${gateway.output()}`);
        return probeReady(ports.probePort);
      },
      { timeoutMs: 90_000, intervalMs: 100, description: "modelmesh /ready" },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const transport = createGrpcTransport({ baseUrl: `http://127.0.0.1:${ports.port}` });
  return {
    gateway,
    port: ports.port,
    serviceName: env.MM_SERVICE_NAME ?? "",
    management: createClient(ModelMesh, transport),
    stop,
  };
}

/** How benchmarks run the gateway, for their notes. */
export function gatewayRunNote(): string {
  const built = process.env.BENCH_GATEWAY_JS;
  return built === undefined
    ? "the gateway from source through tsx (its ESM-loader thread is part of the process)"
    : `the gateway as plain JS (BENCH_GATEWAY_JS=${built}, no tsx)`;
}
