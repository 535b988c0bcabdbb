import type { Server as Http1Server } from "node:http";
import type { Http2Server } from "node:http2";
import type { Socket } from "node:net";
import { createServer as createTlsServer, type SecureContextOptions, type TLSSocket } from "node:tls";
import type { Logger } from "@modelmesh/core";

/** `MM_TLS_CLIENT_AUTH`. */
export type ClientAuth = "NONE" | "OPTIONAL" | "REQUIRE";

/** TLS of the external port, with material that may change while the port is open. */
export interface ServingTls {
  /**
   * NONE: no client certificate asked for. OPTIONAL: asked for; a client may send none, but one
   * it sends must chain to the trust. REQUIRE: a client without a trusted certificate is refused
   * in the handshake (gRPC clients see UNAVAILABLE).
   */
  readonly clientAuth: ClientAuth;
  /** Key, certificate chain and client trust (`ca`; absent = Node's default CA list) in force now. */
  current(): SecureContextOptions;
  /** Calls `listener` after the material changed; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

/** Where the decrypted connections go, by the protocol the client chose (ALPN). */
export interface TlsFrontTargets {
  readonly h2: Http2Server;
  readonly h1: Http1Server;
}

/** The TLS layer in front of the HTTP servers of one port. */
export interface TlsFront {
  /** Takes an accepted TCP connection: handshake, then hand-over to HTTP/2 or HTTP/1.1. */
  accept(socket: Socket): void;
  /** Stops following material changes. */
  close(): void;
}

/** At most one refused-handshake log line per this many ms. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

/**
 * A warn logger that drops lines within `intervalMs` of the last one of the same kind (`key`,
 * e.g. an OpenSSL error code), counting them: a flood of one failure costs one line per
 * interval, and each different failure is still seen.
 */
function throttled(
  logger: Logger,
  intervalMs: number,
): (key: string, fields: Record<string, unknown>, msg: string) => void {
  const seen = new Map<string, { lastMs: number; dropped: number }>();
  return (key, fields, msg) => {
    const now = Date.now();
    const entry = seen.get(key);
    if (entry !== undefined && now - entry.lastMs < intervalMs) {
      entry.dropped++;
      return;
    }
    logger.warn({ ...fields, ...(entry?.dropped ? { alsoRefused: entry.dropped } : {}) }, msg);
    // Keys are error codes (a few dozen exist); the bound only guards against surprises.
    if (seen.size > 100) seen.clear();
    seen.set(key, { lastMs: now, dropped: 0 });
  };
}

function presentedCertificate(socket: TLSSocket): boolean {
  const cert = socket.getPeerCertificate();
  return cert !== null && Object.keys(cert).length > 0;
}

/**
 * Why a client's certificate is refused (an OpenSSL verify code such as `CERT_HAS_EXPIRED`, or
 * `NO_CLIENT_CERTIFICATE`), or undefined when the connection may proceed. OPTIONAL accepts a
 * client without a certificate, not one with an untrusted certificate.
 */
function clientCertRefusal(mode: ClientAuth, socket: TLSSocket): string | undefined {
  if (mode === "NONE" || socket.authorized) return undefined;
  if (!presentedCertificate(socket)) return mode === "REQUIRE" ? "NO_CLIENT_CERTIFICATE" : undefined;
  return String(socket.authorizationError ?? "UNTRUSTED_CLIENT_CERTIFICATE");
}

/**
 * Terminates TLS for the external port. ALPN offers `h2` and `http/1.1`: `h2` connections go to
 * the HTTP/2 server (gRPC, Connect, gRPC-Web), the rest to the HTTP/1.1 server (Connect,
 * gRPC-Web, REST), so one port serves every protocol over TLS as it does in plaintext. The
 * handshake must finish within `handshakeTimeoutMs`. A change of the material (rotation) applies
 * to new handshakes; open connections keep the material they were made with.
 */
export function createTlsFront(
  tls: ServingTls,
  targets: TlsFrontTargets,
  options: { readonly handshakeTimeoutMs: number; readonly logger: Logger },
): TlsFront {
  const askCert = tls.clientAuth !== "NONE";
  const server = createTlsServer({
    ...tls.current(),
    ALPNProtocols: ["h2", "http/1.1"],
    requestCert: askCert,
    // Checked in `secureConnection` instead: Node would close the connection without saying why.
    rejectUnauthorized: false,
    // Node's own handshake timeout ends the TLS socket but leaves a wrapped connection open:
    // `accept` sets the deadline on the TCP connection instead.
  });
  // Handshake deadlines of the connections still in their handshake, by remote address and port
  // (unique among the open connections of one port; the TLS socket reports the same pair).
  const deadlines = new Map<string, NodeJS.Timeout>();
  const keyOf = (socket: Socket) => `${socket.remoteAddress}|${socket.remotePort}`;
  const handshakeDone = (socket: Socket) => {
    const key = keyOf(socket);
    clearTimeout(deadlines.get(key));
    deadlines.delete(key);
  };
  // Failed handshakes (no or untrusted client certificate, plaintext sent to a TLS port,
  // scanners) concern one client each. The client learns nothing but a reset connection, so the
  // reason is logged here, at most once per interval with a count of the others.
  const report = throttled(options.logger, REFUSAL_LOG_INTERVAL_MS);
  server.on("secureConnection", (socket: TLSSocket) => {
    socket.on("error", () => {});
    handshakeDone(socket);
    const refusal = clientCertRefusal(tls.clientAuth, socket);
    if (refusal !== undefined) {
      report(refusal, { reason: refusal }, "external port: client certificate refused");
      socket.destroy();
      return;
    }
    (socket.alpnProtocol === "h2" ? targets.h2 : targets.h1).emit("connection", socket);
  });
  server.on("tlsClientError", (error: Error & { code?: string }) =>
    report(
      error.code ?? "other",
      { reason: error.message, code: error.code },
      "external port: TLS handshake refused",
    ),
  );
  const unsubscribe = tls.subscribe(() => server.setSecureContext(tls.current()));
  return {
    accept(socket) {
      // Until the TLS socket owns it nobody listens for the raw socket's errors (see routeSocket).
      socket.on("error", () => {});
      // One deadline from accept to the end of the handshake, as for plaintext protocol detection.
      const key = keyOf(socket);
      const deadline = setTimeout(() => socket.destroy(), options.handshakeTimeoutMs);
      deadline.unref();
      deadlines.set(key, deadline);
      socket.once("close", () => {
        if (deadlines.get(key) === deadline) handshakeDone(socket);
      });
      server.emit("connection", socket);
    },
    close: unsubscribe,
  };
}
