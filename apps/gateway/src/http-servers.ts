import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type Logger, noopLogger } from "@modelmesh/core";
import { DEFAULT_CONNECTION_LIMITS } from "@modelmesh/server";

/** Bounds on the connections of the probe and pre-stop ports. */
export interface HttpPortLimits {
  /** Deadline for a request's headers to arrive, ms (the connection handshake timeout). */
  readonly headersTimeoutMs: number;
  /** Open connections; more are closed when accepted. Default {@link SMALL_PORT_MAX_CONNECTIONS}. */
  readonly maxConnections?: number;
  /** Where failures of the port itself are reported. */
  readonly logger?: Logger;
}

/**
 * Connection cap of the probe and pre-stop ports: kubelet opens one short connection per probe
 * and the pre-stop hook one, so a few hundred leave room for every legitimate caller while a
 * flood cannot take the process's file descriptors.
 */
export const SMALL_PORT_MAX_CONNECTIONS = 256;

/** Limits of the probe and pre-stop ports without configuration: headers within 10 s. */
export const DEFAULT_HTTP_PORT_LIMITS: HttpPortLimits = {
  headersTimeoutMs: DEFAULT_CONNECTION_LIMITS.handshakeTimeoutMs,
};

/** Keep-alive of an idle connection on the probe and pre-stop ports, ms (Node's default). */
const SMALL_PORT_KEEP_ALIVE_MS = 5000;

/**
 * Starts a plain HTTP server on `port` (all interfaces) and resolves once it listens. Request
 * headers must arrive within `limits.headersTimeoutMs`, idle connections close after 5 s, and
 * connections beyond the cap are refused; a reset connection or a failing accept is never an
 * unhandled error.
 */
export async function listenHttp(
  port: number,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  limits: HttpPortLimits = DEFAULT_HTTP_PORT_LIMITS,
): Promise<Server> {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      keepAliveTimeout: SMALL_PORT_KEEP_ALIVE_MS,
      connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(limits.headersTimeoutMs / 4))),
    },
    handler,
  );
  server.maxConnections = limits.maxConnections ?? SMALL_PORT_MAX_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const logger = limits.logger ?? noopLogger;
  server.on("error", (error: Error) =>
    logger.warn({ port, reason: error.message }, "accepting a connection failed"),
  );
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
  /** Default: {@link DEFAULT_HTTP_PORT_LIMITS}. */
  readonly limits?: HttpPortLimits;
}

/**
 * Serves Kubernetes probes: `GET /live` and `GET /ready` answer 200 or 503 with a one-word body;
 * anything else is 404.
 */
export function startProbeServer(options: ProbeServerOptions): Promise<Server> {
  return listenHttp(
    options.port,
    (req, res) => {
      const path = req.url?.split("?")[0];
      const check = path === "/live" ? options.isLive : path === "/ready" ? options.isReady : undefined;
      if (!check || (req.method !== "GET" && req.method !== "HEAD")) {
        res.writeHead(404).end();
        return;
      }
      const good = check();
      res.writeHead(good ? 200 : 503, { "content-type": "text/plain" }).end(good ? "OK" : "NOT READY");
    },
    options.limits,
  );
}

/** Options for {@link startPrestopServer}. */
export interface PrestopServerOptions {
  readonly port: number;
  /** Resolves when this process is about to exit. */
  readonly exiting: Promise<void>;
  /** Longest a `/prestop` call blocks (the original: 2 × shutdown timeout). */
  readonly maxWaitMs: number;
  /** Default: {@link DEFAULT_HTTP_PORT_LIMITS}. */
  readonly limits?: HttpPortLimits;
}

/**
 * Serves `GET /prestop`, which blocks until the mesh is about to exit, so the runtime
 * container's own preStop hook keeps the runtime alive while models migrate (§9.5).
 */
export function startPrestopServer(options: PrestopServerOptions): Promise<Server> {
  return listenHttp(
    options.port,
    (req, res) => {
      if (req.url?.split("?")[0] !== "/prestop") {
        res.writeHead(404).end();
        return;
      }
      const timer = setTimeout(() => res.writeHead(200).end("timeout"), options.maxWaitMs);
      void options.exiting.then(() => {
        clearTimeout(timer);
        if (!res.headersSent) res.writeHead(200).end("exiting");
      });
    },
    options.limits,
  );
}
