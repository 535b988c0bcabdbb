import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

/** Starts a plain HTTP server on `port` (all interfaces) and resolves once it listens. */
export async function listenHttp(
  port: number,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Server> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return server;
}

/** Closes a server, ending idle keep-alive connections so it does not linger. */
export async function closeHttp(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/** Options for {@link startProbeServer}. */
export interface ProbeServerOptions {
  readonly port: number;
  /** The process works at all (event loop alive, not fatally failed). */
  readonly isLive: () => boolean;
  /** The instance can take traffic. */
  readonly isReady: () => boolean;
}

/**
 * Serves Kubernetes probes: `GET /live` and `GET /ready` answer 200 or 503 with a one-word body;
 * anything else is 404.
 */
export function startProbeServer(options: ProbeServerOptions): Promise<Server> {
  return listenHttp(options.port, (req, res) => {
    const path = req.url?.split("?")[0];
    const check = path === "/live" ? options.isLive : path === "/ready" ? options.isReady : undefined;
    if (!check || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(404).end();
      return;
    }
    const good = check();
    res.writeHead(good ? 200 : 503, { "content-type": "text/plain" }).end(good ? "OK" : "NOT READY");
  });
}

/** Options for {@link startPrestopServer}. */
export interface PrestopServerOptions {
  readonly port: number;
  /** Resolves when this process is about to exit. */
  readonly exiting: Promise<void>;
  /** Longest a `/prestop` call blocks (the original: 2 × shutdown timeout). */
  readonly maxWaitMs: number;
}

/**
 * Serves `GET /prestop`, which blocks until the mesh is about to exit, so the runtime
 * container's own preStop hook keeps the runtime alive while models migrate (§9.5).
 */
export function startPrestopServer(options: PrestopServerOptions): Promise<Server> {
  return listenHttp(options.port, (req, res) => {
    if (req.url?.split("?")[0] !== "/prestop") {
      res.writeHead(404).end();
      return;
    }
    const timer = setTimeout(() => res.writeHead(200).end("timeout"), options.maxWaitMs);
    void options.exiting.then(() => {
      clearTimeout(timer);
      if (!res.headersSent) res.writeHead(200).end("exiting");
    });
  });
}
