import { createServer as createHttp1Server, type IncomingMessage, type ServerResponse } from "node:http";
import {
  createServer as createHttp2Server,
  type Http2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type ServerHttp2Session,
} from "node:http2";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { type Logger, noopLogger } from "@modelmesh/core";
import { type ConnectionLimits, DEFAULT_CONNECTION_LIMITS, guardHttp2Session } from "@modelmesh/server";
import { HTTP2_HEADER_LIST_CEILING, refuseOversizedHeaders } from "./header-limit.js";
import { trackHttp1Connections } from "./http1-limits.js";
import { createTlsFront, type ServingTls } from "./tls-front.js";

// Every HTTP/2 cleartext connection with prior knowledge starts with this preface (RFC 9113 §3.4).
const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

/** A request handler that serves both protocol versions (what Connect's node adapter produces). */
export type DualHandler = (
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
) => void;

/** Options for {@link listenDualProtocol}. */
export interface DualProtocolOptions {
  readonly port: number;
  readonly host?: string;
  readonly handler: DualHandler;
  /** Largest header block accepted, bytes (`MM_SVC_GRPC_MAX_HEADERS_SIZE`), at most 64 KiB. */
  readonly maxHeaderBytes: number;
  /** Close connections older than this (ms); null = never. */
  readonly maxConnectionAgeMs?: number | null;
  /** After the age limit, time given to in-flight calls before the connection is destroyed (ms). */
  readonly maxConnectionAgeGraceMs?: number | null;
  /** Handshake deadline, idle timeout, concurrent streams, open connections. Default {@link DEFAULT_CONNECTION_LIMITS}. */
  readonly limits?: ConnectionLimits;
  /** Where failures of the port itself (not of single connections) are reported. */
  readonly logger?: Logger;
  /** TLS on the port (ALPN `h2` and `http/1.1`); absent = plaintext (h2c and HTTP/1.1). */
  readonly tls?: ServingTls;
}

/** The running listener. */
export interface DualProtocolServer {
  readonly port: number;
  /** The HTTP/2 server (for session-level settings and tests). */
  readonly http2: Http2Server;
  /** Client connections open now (HTTP/2 sessions and HTTP/1.1 sockets). */
  readonly openConnections: number;
  /** Stops accepting connections; resolves once all are closed or `graceMs` passed. */
  close(graceMs: number): Promise<void>;
}

function routeSocket(
  socket: Socket,
  h2: Http2Server,
  h1: ReturnType<typeof createHttp1Server>,
  handshakeTimeoutMs: number,
): void {
  // Until a server owns the socket nobody else listens for its errors: a client that resets
  // the connection (a load balancer's health check, a port scanner) must not end the process.
  // The listener stays; the HTTP servers add their own.
  socket.on("error", () => {});
  // One deadline from accept, not an idle timer: a client sending a byte at a time is cut off.
  const deadline = setTimeout(() => socket.destroy(), handshakeTimeoutMs);
  deadline.unref();
  socket.once("close", () => clearTimeout(deadline));
  // Read until the bytes either stop matching the HTTP/2 preface or match all of it, so a
  // preface split across TCP segments (or "PUT" vs "PRI") is never misrouted.
  let head = Buffer.alloc(0);
  const onReadable = () => {
    for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) {
      head = Buffer.concat([head, chunk]);
    }
    const n = Math.min(head.length, H2_PREFACE.length);
    const matches = head.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
    if (matches && head.length < H2_PREFACE.length) return;
    socket.off("readable", onReadable);
    // From here each protocol bounds the rest of the handshake itself (the HTTP/2 session's
    // SETTINGS deadline, the HTTP/1.1 headers timeout).
    clearTimeout(deadline);
    socket.unshift(head);
    (matches ? h2 : h1).emit("connection", socket);
  };
  socket.on("readable", onReadable);
}

/**
 * Listens on one port for HTTP/2 (gRPC, Connect, gRPC-Web) and HTTP/1.1 (Connect JSON, gRPC-Web)
 * at the same time: in plaintext by reading the first bytes of each connection, over TLS by the
 * protocol the client chose in the handshake (ALPN). Every connection is bounded by `limits`:
 * see {@link ConnectionLimits}.
 */
export async function listenDualProtocol(options: DualProtocolOptions): Promise<DualProtocolServer> {
  const limits = options.limits ?? DEFAULT_CONNECTION_LIMITS;
  const logger = options.logger ?? noopLogger;
  const { maxHeaderBytes, handler } = options;
  const h2 = createHttp2Server(
    {
      maxSessionMemory: 64,
      settings: {
        maxHeaderListSize: Math.max(maxHeaderBytes, HTTP2_HEADER_LIST_CEILING),
        maxConcurrentStreams: limits.maxConcurrentStreams,
      },
    },
    (req, res) => {
      if (!refuseOversizedHeaders(req, res, maxHeaderBytes)) handler(req, res);
    },
  );
  const h1 = createHttp1Server(
    {
      maxHeaderSize: maxHeaderBytes,
      keepAliveTimeout: limits.idleTimeoutMs,
      headersTimeout: limits.handshakeTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(limits.handshakeTimeoutMs / 4))),
    },
    handler,
  );
  trackHttp1Connections(h1);
  const sessions = new Set<ServerHttp2Session>();
  h2.on("session", (session) => {
    guardHttp2Session(session, limits);
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
    if (options.maxConnectionAgeMs)
      ageLimit(session, options.maxConnectionAgeMs, options.maxConnectionAgeGraceMs ?? null);
  });
  let openConnections = 0;
  const tlsFront =
    options.tls === undefined
      ? undefined
      : createTlsFront(options.tls, { h2, h1 }, { handshakeTimeoutMs: limits.handshakeTimeoutMs, logger });
  const net: NetServer = createNetServer({ pauseOnConnect: false }, (socket) => {
    openConnections++;
    socket.once("close", () => openConnections--);
    if (tlsFront !== undefined) tlsFront.accept(socket);
    else routeSocket(socket, h2, h1, limits.handshakeTimeoutMs);
  });
  // Connections beyond the cap are closed by Node as soon as they are accepted.
  net.maxConnections = limits.maxConnections;
  await new Promise<void>((resolve, reject) => {
    net.once("error", reject);
    net.listen(options.port, options.host, () => {
      net.off("error", reject);
      resolve();
    });
  });
  // Errors of the listening socket itself (e.g. EMFILE on accept) must not end the process.
  net.on("error", (error: Error) =>
    logger.warn({ reason: error.message }, "external port: accepting a connection failed"),
  );
  const address = net.address();
  return {
    port: typeof address === "object" && address ? address.port : options.port,
    http2: h2,
    get openConnections() {
      return openConnections;
    },
    async close(graceMs) {
      tlsFront?.close();
      net.close();
      for (const session of sessions) session.close();
      h1.closeIdleConnections();
      const deadline = setTimeout(() => {
        for (const session of sessions) session.destroy();
        h1.closeAllConnections();
      }, graceMs);
      await Promise.all([
        new Promise<void>((r) => h2.close(() => r())),
        new Promise<void>((r) => h1.close(() => r())),
      ]);
      clearTimeout(deadline);
    },
  };
}

function ageLimit(session: ServerHttp2Session, ageMs: number, graceMs: number | null): void {
  // Like gRPC's MAX_CONNECTION_AGE: ask the client to reconnect (GOAWAY), let calls finish.
  const timer = setTimeout(() => {
    session.close();
    if (graceMs !== null) setTimeout(() => session.destroy(), graceMs).unref();
  }, ageMs);
  timer.unref();
  session.on("close", () => clearTimeout(timer));
}
