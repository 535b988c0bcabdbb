import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@modelmesh/testkit/free-port";
import { startProcess, type TestProcess } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";

/** Options for {@link startNginxGrpcProxy}. */
export interface NginxGrpcProxyOptions {
  /** The gRPC server nginx forwards to, on 127.0.0.1. */
  readonly upstreamPort: number;
  /** Port nginx listens on (h2c). Default: a free one. */
  readonly listenPort?: number;
  /** Idle upstream connections kept open (nginx opens one per concurrent call). Default 128. */
  readonly upstreamKeepalive?: number;
  /** Terminate TLS on the listening port with this key pair (PEM files) instead of h2c. */
  readonly tls?: { readonly certPath: string; readonly keyPath: string };
}

/** A running nginx acting as a plain gRPC reverse proxy. */
export interface NginxGrpcProxy {
  readonly port: number;
  /** The master process (it runs in the foreground, `daemon off`). */
  readonly process: TestProcess;
  /** Pids of the worker processes (one with the generated config). */
  workerPids(): number[];
  /** The generated configuration, for reports. */
  readonly config: string;
  /** Stops nginx (SIGQUIT: graceful) and removes its folder. */
  stop(): Promise<void>;
}

/** The nginx binary: `NGINX_BIN`, else `nginx` on the PATH (Debian's is /usr/sbin/nginx). */
function nginxBinary(): string {
  return process.env.NGINX_BIN ?? "nginx";
}

/**
 * The configuration: one worker, HTTP/2 without TLS on loopback, `grpc_pass` to the upstream with
 * kept-alive upstream connections, no access log, every file nginx writes inside `dir` (so no
 * root is needed). Request limits are raised so one long h2load connection is never closed.
 */
export function nginxGrpcConfig(
  dir: string,
  listenPort: number,
  upstreamPort: number,
  keepalive: number,
  tls?: NginxGrpcProxyOptions["tls"],
): string {
  const listen =
    tls === undefined
      ? `listen 127.0.0.1:${listenPort} http2;`
      : `listen 127.0.0.1:${listenPort} ssl http2;
    ssl_certificate ${tls.certPath};
    ssl_certificate_key ${tls.keyPath};`;
  return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  upstream runtime {
    server 127.0.0.1:${upstreamPort};
    keepalive ${keepalive};
    keepalive_requests 100000000;
    keepalive_timeout 300s;
  }
  server {
    ${listen}
    http2_max_concurrent_streams 1024;
    location / {
      grpc_pass grpc://runtime;
      grpc_socket_keepalive on;
    }
  }
}
`;
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter((s) => s !== "")
      .map(Number);
  } catch {
    return [];
  }
}

async function listening(port: number): Promise<boolean> {
  const { connect } = await import("node:net");
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * Starts Debian's nginx in the foreground as a gRPC reverse proxy (`grpc_pass`) to a local server,
 * with a generated configuration in a fresh temp folder (`nginx -p <dir> -c <dir>/nginx.conf -e
 * <dir>/error.log -g 'daemon off;'`). Works as root (workers then run as nginx's default user,
 * which is why the folder is made world-readable) and as an ordinary user.
 */
export async function startNginxGrpcProxy(options: NginxGrpcProxyOptions): Promise<NginxGrpcProxy> {
  const dir = mkdtempSync(join(tmpdir(), "mm-nginx-"));
  chmodSync(dir, 0o755);
  const port = options.listenPort ?? (await freePort());
  const config = nginxGrpcConfig(
    dir,
    port,
    options.upstreamPort,
    options.upstreamKeepalive ?? 128,
    options.tls,
  );
  writeFileSync(join(dir, "nginx.conf"), config);
  const child = startProcess({
    name: "nginx",
    command: nginxBinary(),
    args: ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "error.log"), "-g", "daemon off;"],
  });
  const errorLog = () => {
    try {
      return readFileSync(join(dir, "error.log"), "utf8");
    } catch {
      return "";
    }
  };
  await waitUntil(
    async () => {
      if (child.hasExited()) throw new Error(`nginx exited:\n${child.output()}\n${errorLog()}`);
      return (await listening(port)) && childPids(child.pid).length > 0;
    },
    { timeoutMs: 20_000, intervalMs: 50, description: `nginx listening on ${port}` },
  );
  return {
    port,
    process: child,
    config,
    workerPids: () => childPids(child.pid),
    async stop() {
      await child.stop({ signal: "SIGQUIT", timeoutMs: 5000 });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
