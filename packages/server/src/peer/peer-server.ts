import * as http2 from "node:http2";
import type { AddressInfo, Socket } from "node:net";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Logger } from "@modelmesh/core";
import { MeshPeerService } from "@modelmesh/proto";
import { type ConnectionLimits, DEFAULT_CONNECTION_LIMITS } from "../connections/connection-limits.js";
import { guardHttp2Session } from "../connections/guard-session.js";
import { createForwardedHandler } from "./forwarded-handler.js";
import { peerStatusService } from "./peer-status-service.js";
import { type PeerTls, peerServerContext, peerServerOptions } from "./peer-tls.js";
import type { PeerHandler } from "./types.js";

/** Options for {@link createPeerRequestListener}. */
export interface PeerServiceOptions {
  /** The server's side of both operations. */
  readonly handler: PeerHandler;
  /** This instance's id. */
  readonly instanceId: string;
  /** Longest time a sender may leave a complete answer untaken, ms (see `createForwardedHandler`). */
  readonly stallTimeoutMs?: number;
  readonly logger?: Logger;
}

/**
 * Largest `MeshPeerService` request accepted, bytes (1 MiB): full exclusion lists of the longest
 * instance ids take about 800 KiB, real requests a few hundred bytes.
 */
export const MAX_STATUS_REQUEST_BYTES = 1024 * 1024;

/**
 * The request listener of the internal peer port: `MeshPeerService` (status / ensure-loaded)
 * through Connect, every other path as a forwarded inference call (which accepts only gRPC calls
 * of methods the handler allows, never a runtime management method). Mount it on an h2c server
 * (`http2.createServer(listener)`), or use {@link listenPeerServer}.
 */
export function createPeerRequestListener(
  options: PeerServiceOptions,
): (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void {
  const forwarded = createForwardedHandler(options);
  return connectNodeAdapter({
    // Status requests are small (ids and exclusion lists); a larger one is garbage or an attack.
    readMaxBytes: MAX_STATUS_REQUEST_BYTES,
    routes: (router: ConnectRouter) => {
      router.service(MeshPeerService, peerStatusService(options.handler, options.instanceId));
    },
    fallback: (req, res) => forwarded(req as http2.Http2ServerRequest, res as http2.Http2ServerResponse),
  });
}

/** Options for {@link listenPeerServer}. */
export interface ListenPeerServerOptions extends PeerServiceOptions {
  /** Default 0 (any free port). */
  readonly port?: number;
  /** Default `0.0.0.0`. */
  readonly host?: string;
  /** Per-stream and per-connection receive window, bytes. Default 8 MiB, as the client side. */
  readonly windowBytes?: number;
  /** Bounds on the connections peers (or anyone reaching the port) open. Default {@link DEFAULT_CONNECTION_LIMITS}. */
  readonly limits?: ConnectionLimits;
  /**
   * TLS (mTLS with `clientAuth`); absent = h2c. A change of its material applies to new
   * connections; open ones keep theirs. A peer that fails the handshake is refused.
   */
  readonly tls?: PeerTls;
}

/** A listening peer server. */
export interface PeerServer {
  /** The bound port. */
  readonly port: number;
  /**
   * Stops accepting connections. Open sessions get GOAWAY and may finish their calls for
   * `graceMs` (default 0), after which they are destroyed. Resolves when the server is closed.
   */
  close(graceMs?: number): Promise<void>;
}

function createServer(options: ListenPeerServerOptions, windowBytes: number, limits: ConnectionLimits) {
  const settings = { initialWindowSize: windowBytes, maxConcurrentStreams: limits.maxConcurrentStreams };
  const listener = createPeerRequestListener(options);
  const tls = options.tls;
  if (tls === undefined) return { server: http2.createServer({ settings }, listener), unsubscribe: () => {} };
  const server = http2.createSecureServer(
    { ...peerServerOptions(tls), handshakeTimeout: limits.handshakeTimeoutMs, settings },
    listener,
  );
  // A peer without a valid certificate (or not speaking TLS) ends here; not worth more than debug.
  server.on("tlsClientError", (error: Error) =>
    options.logger?.debug({ reason: error.message }, "peer port: TLS handshake refused"),
  );
  const unsubscribe = tls.subscribe(() => {
    server.setSecureContext(peerServerContext(tls.current()));
    options.logger?.info({}, "peer port: new TLS certificate in use for new connections");
  });
  return { server, unsubscribe };
}

/** Starts the internal peer port's server: h2c, or HTTP/2 over TLS with `tls`. */
export async function listenPeerServer(options: ListenPeerServerOptions): Promise<PeerServer> {
  const windowBytes = options.windowBytes ?? 8 * 1024 * 1024;
  const limits = options.limits ?? DEFAULT_CONNECTION_LIMITS;
  const { server, unsubscribe } = createServer(options, windowBytes, limits);
  // Connections beyond the cap are closed by Node before they cost more than the accept.
  server.maxConnections = limits.maxConnections;
  // Answers go out at once instead of waiting for the previous segment's ACK (Nagle).
  server.on("connection", (socket: Socket) => socket.setNoDelay(true));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    // A reset or broken connection ends that session only; it is not worth a log line each.
    guardHttp2Session(session, limits);
    sessions.add(session);
    session.on("connect", () => session.setLocalWindowSize(windowBytes));
    session.setLocalWindowSize(windowBytes);
    session.once("close", () => sessions.delete(session));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "0.0.0.0", () => {
      server.off("error", reject);
      resolve();
    });
  });
  // Errors of the listening socket itself (e.g. EMFILE on accept) must not end the process.
  server.on("error", (error: Error) =>
    options.logger?.warn({ reason: error.message }, "peer port: accepting a connection failed"),
  );
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close(graceMs = 0) {
      unsubscribe();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.close();
      const destroyAll = () => {
        for (const session of sessions) session.destroy();
      };
      if (graceMs <= 0) destroyAll();
      else setTimeout(destroyAll, graceMs).unref();
      return closed;
    },
  };
}
