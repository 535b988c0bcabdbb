import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { freePort } from "./free-port.js";
import { startProcess, type TestProcess } from "./processes.js";
import { waitUntil } from "./wait-until.js";

/** Options of {@link startEtcd}. */
export interface StartEtcdOptions {
  /** Member name. Default `etcd-<clientPort>`. */
  readonly name?: string;
  /**
   * Fast raft timing (`--heartbeat-interval 50 --election-timeout 500`), so leases of 1–2 s work
   * and a new leader is elected in well under a second. Default true.
   */
  readonly fastElection?: boolean;
  /** Client port on 127.0.0.1. Default: a free one. */
  readonly clientPort?: number;
  /** Peer port on 127.0.0.1. Default: a free one. */
  readonly peerPort?: number;
  /** Cluster membership, for members of {@link startEtcdCluster}. Default: a one-member cluster. */
  readonly cluster?: { readonly initialCluster: string; readonly token: string };
  /** Wait until `/health` reports healthy. Default true (a cluster member waits for quorum). */
  readonly waitHealthy?: boolean;
}

/** A real etcd server started for a test, on loopback, with its own temporary data directory. */
export interface EtcdServer {
  readonly name: string;
  readonly clientPort: number;
  readonly peerPort: number;
  /** `127.0.0.1:<clientPort>`. */
  readonly hostPort: string;
  /** `http://127.0.0.1:<clientPort>`. */
  readonly endpoint: string;
  readonly dataDir: string;
  /** The running process (undefined while stopped). */
  process(): TestProcess | undefined;
  /** Stops it gracefully (SIGTERM), keeping the data. */
  stop(): Promise<void>;
  /** Kills it at once (SIGKILL), keeping the data. */
  kill(): Promise<void>;
  /**
   * Freezes it (SIGSTOP) and waits until every one of its threads has stopped, as a stalled
   * machine would: its kernel still accepts connections and bytes, nothing answers. Linux only.
   */
  freeze(): Promise<void>;
  /** Lets a frozen etcd run again (SIGCONT); a no-op when it is not frozen or not running. */
  thaw(): void;
  /** Starts it again with the same ports and data, and waits until healthy. */
  restart(options?: { readonly waitHealthy?: boolean }): Promise<void>;
  /** Kills it and removes its data directory. */
  destroy(): Promise<void>;
}

const servers = new Set<EtcdServer>();

/**
 * Path of the `etcd` binary. Fails with a clear message when it is not installed: tests that need
 * etcd never skip; `./scripts/test` installs Debian's etcd-server.
 */
export function etcdBinary(): string {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, "etcd");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  throw new Error(
    "etcd is not installed (no `etcd` on PATH). Run ./scripts/test, which installs Debian's etcd-server " +
      "(or: apt-get install -y etcd-server etcd-client).",
  );
}

/** Starts a real etcd on 127.0.0.1 with free ports and a temporary data directory. */
export async function startEtcd(options: StartEtcdOptions = {}): Promise<EtcdServer> {
  const binary = etcdBinary();
  const clientPort = options.clientPort ?? (await freePort());
  const peerPort = options.peerPort ?? (await freePort());
  const name = options.name ?? `etcd-${clientPort}`;
  const dataDir = mkdtempSync(join(tmpdir(), `mm-${name}-`));
  const args = etcdArgs({ ...options, name, clientPort, peerPort, dataDir });
  let current: TestProcess | undefined;
  const launch = async (waitHealthy: boolean) => {
    current = startProcess({ name, command: binary, args });
    if (waitHealthy) await waitForHealth(`http://127.0.0.1:${clientPort}`, current);
  };
  const server: EtcdServer = {
    name,
    clientPort,
    peerPort,
    hostPort: `127.0.0.1:${clientPort}`,
    endpoint: `http://127.0.0.1:${clientPort}`,
    dataDir,
    process: () => (current?.hasExited() === false ? current : undefined),
    async stop() {
      await current?.stop({ timeoutMs: 5000 });
    },
    async kill() {
      await current?.kill();
    },
    async freeze() {
      const running = server.process();
      if (running === undefined) throw new Error(`${name} is not running`);
      running.child.kill("SIGSTOP");
      // The signal takes effect a moment later; a request answered in that moment would not
      // meet a frozen server.
      await waitUntil(() => threadStates(running.pid).every((state) => state === "T" || state === "t"), {
        timeoutMs: 5000,
        intervalMs: 10,
        description: `every thread of ${name} stopped`,
      });
    },
    thaw() {
      server.process()?.child.kill("SIGCONT");
    },
    async restart(restartOptions = {}) {
      await current?.stop({ timeoutMs: 5000 });
      await launch(restartOptions.waitHealthy ?? true);
    },
    async destroy() {
      servers.delete(server);
      // Its data is thrown away, so there is nothing to shut down cleanly (and a cluster member
      // whose peers are gone can take seconds to stop gracefully).
      await current?.kill();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  servers.add(server);
  await launch(options.waitHealthy ?? true);
  return server;
}

/** Scheduler state letter of every thread of a process (`T`: stopped), from /proc. */
function threadStates(pid: number): string[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    // The state follows the parenthesised command name, which may itself contain spaces.
    const end = stat.lastIndexOf(")");
    return stat.slice(end + 2, end + 3);
  });
}

/** Stops every etcd started by this process and removes their data directories (use in `afterAll`). */
export async function stopAllEtcd(): Promise<void> {
  await Promise.all([...servers].map((server) => server.destroy()));
}

function etcdArgs(
  o: StartEtcdOptions & { name: string; clientPort: number; peerPort: number; dataDir: string },
) {
  const peerUrl = `http://127.0.0.1:${o.peerPort}`;
  const clientUrl = `http://127.0.0.1:${o.clientPort}`;
  return [
    "--name",
    o.name,
    "--data-dir",
    o.dataDir,
    "--listen-client-urls",
    clientUrl,
    "--advertise-client-urls",
    clientUrl,
    "--listen-peer-urls",
    peerUrl,
    "--initial-advertise-peer-urls",
    peerUrl,
    "--initial-cluster",
    o.cluster?.initialCluster ?? `${o.name}=${peerUrl}`,
    "--initial-cluster-token",
    o.cluster?.token ?? o.name,
    "--initial-cluster-state",
    "new",
    ...(o.fastElection === false ? [] : ["--heartbeat-interval", "50", "--election-timeout", "500"]),
    "--log-level",
    "warn",
  ];
}

async function waitForHealth(endpoint: string, process: TestProcess): Promise<void> {
  await waitUntil(
    async () => {
      if (process.hasExited()) throw new Error(`etcd exited early:\n${process.output()}`);
      const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await response.json()) as { health?: string };
      return body.health === "true";
    },
    { timeoutMs: 20_000, intervalMs: 50, description: `etcd at ${endpoint} to be healthy` },
  );
}
