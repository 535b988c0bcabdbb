import { type EtcdServer, startEtcd } from "./etcd.js";
import type { ExampleRuntimeOptions } from "./example-runtime.js";
import { startMesh, TEST_SERVICE_NAME, type TestMesh } from "./mesh.js";
import { waitUntil } from "./wait-until.js";

/** Options for {@link startCluster}. */
export interface StartClusterOptions {
  /** Number of instances (each a gateway process paired with its own example runtime). */
  readonly size: number;
  /** An etcd to share (left running by `stop`). Default: a fresh testkit etcd, destroyed by `stop`. */
  readonly etcd?: EtcdServer;
  /** Options of every instance's example runtime. */
  readonly runtimeArgs?: ExampleRuntimeOptions;
  /** Gateway environment over {@link clusterTestEnv} (applied to every instance). */
  readonly env?: Readonly<Record<string, string>>;
  /** Service name shared by the instances. Default {@link TEST_SERVICE_NAME}. */
  readonly serviceName?: string;
  /** How long to wait for all instances to be ready and registered. Default 120 000 ms. */
  readonly readyTimeoutMs?: number;
  /**
   * Per-instance differences (labels, a broken runtime, ...): instance `index`'s runtime options
   * replace `runtimeArgs` when given, and its `env` is applied over `env`.
   */
  readonly perInstance?: (index: number) => ClusterInstanceOptions;
}

/** What {@link StartClusterOptions.perInstance} may set for one instance. */
export interface ClusterInstanceOptions {
  /** This instance's example runtime options (instead of the cluster's `runtimeArgs`). */
  readonly runtimeArgs?: ExampleRuntimeOptions;
  /** Gateway environment over the cluster's. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Several gateway instances sharing one etcd, started for a test. */
export interface TestCluster {
  readonly etcd: EtcdServer;
  /** The instances, in start order (each with its own clients, ports and runtime). */
  readonly instances: readonly TestMesh[];
  /** Sends `signal` to instance `i`'s gateway (SIGKILL kills it at once) and waits for its exit. */
  kill(i: number, signal?: NodeJS.Signals): Promise<number | string>;
  /** Ids of the instances currently in the store's instance table. */
  registeredInstances(): Promise<string[]>;
  /** Stops every instance (SIGTERM) and their runtimes, then the etcd if the cluster started it. */
  stop(): Promise<void>;
}

/**
 * Short timings for clusters under test: quick record publishing, a 3 s session TTL (a killed
 * instance leaves the table within seconds) and a short shutdown budget.
 */
export const clusterTestEnv: Readonly<Record<string, string>> = Object.freeze({
  MM_KV_SESSION_TTL_MS: "3000",
  MM_INSTANCE_PUBLISH_INTERVAL_MS: "500",
  MM_INSTANCE_PUBLISH_MIN_INTERVAL_MS: "0",
  MM_RATE_CHECK_INTERVAL_MS: "1000",
  MM_REAPER_INTERVAL_MS: "2000",
  MM_ASSUME_INSTANCE_GONE_AFTER_MS: "5000",
  SHUTDOWN_TIMEOUT_MS: "10000",
});

const toBase64 = (text: string) => Buffer.from(text).toString("base64");

/** Keys under `prefix` in etcd, through its v3 JSON gateway (no client library needed). */
async function etcdKeys(etcd: EtcdServer, prefix: string): Promise<string[]> {
  const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
  const response = await fetch(`${etcd.endpoint}/v3/kv/range`, {
    method: "POST",
    body: JSON.stringify({ key: toBase64(prefix), range_end: toBase64(end), keys_only: true }),
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok) throw new Error(`etcd range ${prefix}: HTTP ${response.status}`);
  const body = (await response.json()) as { kvs?: { key: string }[] };
  return (body.kvs ?? []).map((kv) => Buffer.from(kv.key, "base64").toString());
}

/**
 * Starts a cluster: one etcd (unless given) and `size` instances, each an example runtime plus a
 * `modelmesh` gateway on free ports (external, internal peer, probe, prestop) with the same
 * service name and a unique instance id. Waits until every instance is ready and all of them are
 * in the instance table. Always `stop()` it.
 */
export async function startCluster(options: StartClusterOptions): Promise<TestCluster> {
  const etcd = options.etcd ?? (await startEtcd());
  const serviceName = options.serviceName ?? TEST_SERVICE_NAME;
  const readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
  const started = await Promise.allSettled(
    Array.from({ length: options.size }, (_, i) => {
      const own = options.perInstance?.(i) ?? {};
      return startMesh({
        name: `modelmesh-${i}`,
        store: { kind: "etcd", endpoint: etcd.endpoint },
        runtime: own.runtimeArgs ?? options.runtimeArgs ?? {},
        env: { ...clusterTestEnv, MM_SERVICE_NAME: serviceName, ...options.env, ...own.env },
        readyTimeoutMs,
      });
    }),
  );
  const instances = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const stop = async () => {
    await Promise.all(instances.map((mesh) => mesh.stop()));
    if (options.etcd === undefined) await etcd.destroy();
  };
  const failed = started.find((s) => s.status === "rejected");
  if (failed !== undefined) {
    await stop();
    throw failed.reason;
  }
  const kvPrefix = options.env?.MM_KVSTORE_PREFIX ?? "tas-runtime";
  const tablePrefix = `/${kvPrefix}/${serviceName}/instances/`;
  const registeredInstances = async () =>
    (await etcdKeys(etcd, tablePrefix)).map((key) => key.slice(tablePrefix.length));
  const cluster: TestCluster = {
    etcd,
    instances,
    async kill(i, signal = "SIGKILL") {
      const gateway = instances[i]?.gateway;
      if (gateway === undefined) throw new Error(`no instance ${i}`);
      if (signal === "SIGKILL") return gateway.kill();
      if (!gateway.hasExited()) gateway.child.kill(signal);
      return gateway.exited;
    },
    registeredInstances,
    stop,
  };
  try {
    await waitUntil(
      async () => {
        const ids = new Set(await registeredInstances());
        return instances.every((mesh) => ids.has(mesh.instanceId));
      },
      { timeoutMs: readyTimeoutMs, intervalMs: 200, description: "every instance in the instance table" },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return cluster;
}
