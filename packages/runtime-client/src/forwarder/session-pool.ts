import * as http2 from "node:http2";
import { connect as connectSocket } from "node:net";
import type { RuntimeEndpoint } from "../endpoints.js";

/**
 * Where HTTP/2 sessions go: a URL (`http://host:port`, or `https://` with TLS options) and options
 * for `http2.connect` (e.g. `createConnection` for a Unix socket, certificates for TLS).
 */
export interface Http2Target {
  readonly url: string;
  readonly options?: http2.ClientSessionOptions | http2.SecureClientSessionOptions;
  /** For messages, e.g. `localhost:8085` or `unix:/tmp/mmesh/grpc.sock`. */
  readonly label: string;
}

/**
 * The plaintext HTTP/2 target of a runtime endpoint (TCP, or a Unix socket). TCP connections
 * disable Nagle's algorithm: a call's frames go out at once instead of waiting for the previous
 * segment's ACK (measured: about half the per-call latency on loopback).
 */
export function http2TargetFor(endpoint: RuntimeEndpoint): Http2Target {
  if (endpoint.t === "tcp") {
    const { host, port } = endpoint;
    return {
      url: `http://${host}:${port}`,
      options: { createConnection: () => connectSocket({ host, port, noDelay: true }) },
      label: `${host}:${port}`,
    };
  }
  const path = endpoint.path;
  return {
    url: "http://localhost",
    options: { createConnection: () => connectSocket(path) },
    label: `unix:${path}`,
  };
}

/** Options for {@link Http2SessionPool}. */
export interface SessionPoolOptions {
  /** Sessions (connections) to spread calls over, round-robin. Default 1. */
  readonly size?: number;
  /** Per-stream and per-connection receive window, bytes. Default 8 MiB (large messages flow without stalls). */
  readonly windowBytes?: number;
  /** nghttp2 session memory cap, MB. Default 256 (several large messages in flight). */
  readonly maxSessionMemoryMb?: number;
  /**
   * Longest wait for a new connection to be established (TCP connected and the server's HTTP/2
   * SETTINGS received), ms. A connection that takes longer is destroyed with an `ETIMEDOUT`
   * error, failing the calls queued on it, so an endpoint that accepts connections but never
   * speaks HTTP/2 cannot hold calls until their deadlines. Default: no limit.
   */
  readonly connectTimeoutMs?: number;
  /**
   * Sends an HTTP/2 PING on each connection every this many ms once it is established; a
   * connection whose PING is not answered within {@link SessionPoolOptions.keepAliveTimeoutMs}
   * is destroyed with an `ETIMEDOUT` error, failing its calls in flight, so a peer that stopped
   * answering (frozen process, black-holed network) does not hold them until their deadlines.
   * Default: no PINGs.
   */
  readonly keepAliveIntervalMs?: number;
  /** How long a keep-alive PING may go unanswered, ms. Default 5000. */
  readonly keepAliveTimeoutMs?: number;
  /** Told of each new connection's outcome: established, or failed (error, close or timeout) before that. */
  readonly onConnectOutcome?: (
    outcome: { readonly ok: true } | { readonly ok: false; readonly error: Error },
  ) => void;
}

/**
 * A fixed number of HTTP/2 client sessions to one target, connected lazily and replaced when
 * they close, fail or receive GOAWAY (e.g. the runtime restarted): the next call reconnects.
 */
export class Http2SessionPool {
  readonly target: Http2Target;
  readonly #slots: (http2.ClientHttp2Session | undefined)[];
  readonly #windowBytes: number;
  readonly #maxSessionMemoryMb: number;
  readonly #connectTimeoutMs: number | undefined;
  readonly #onConnectOutcome: SessionPoolOptions["onConnectOutcome"];
  readonly #keepAlive: { readonly intervalMs: number; readonly timeoutMs: number } | undefined;
  #next = 0;
  #closed = false;

  constructor(target: Http2Target, options: SessionPoolOptions = {}) {
    this.target = target;
    this.#slots = new Array(Math.max(1, options.size ?? 1)).fill(undefined);
    this.#windowBytes = options.windowBytes ?? 8 * 1024 * 1024;
    this.#maxSessionMemoryMb = options.maxSessionMemoryMb ?? 256;
    this.#connectTimeoutMs = options.connectTimeoutMs;
    this.#onConnectOutcome = options.onConnectOutcome;
    this.#keepAlive =
      options.keepAliveIntervalMs === undefined || options.keepAliveIntervalMs <= 0
        ? undefined
        : { intervalMs: options.keepAliveIntervalMs, timeoutMs: options.keepAliveTimeoutMs ?? 5000 };
  }

  /** A usable session, round-robin; connects or reconnects as needed. Throws once closed. */
  session(): http2.ClientHttp2Session {
    if (this.#closed) throw new Error(`session pool to ${this.target.label} is closed`);
    const index = this.#next;
    this.#next = (index + 1) % this.#slots.length;
    const current = this.#slots[index];
    if (current !== undefined && !current.closed && !current.destroyed) return current;
    const session = this.#connect(index);
    this.#slots[index] = session;
    return session;
  }

  /** Forgets a session that turned out unusable, so the next call makes a new one. */
  discard(session: http2.ClientHttp2Session): void {
    const index = this.#slots.indexOf(session);
    if (index >= 0) this.#slots[index] = undefined;
    if (!session.destroyed) session.destroy();
  }

  /**
   * Closes every session. With no `graceMs` (or 0) at once: calls in flight fail. With
   * `graceMs`, no new call starts but calls in flight may finish within that time (HTTP/2
   * GOAWAY-style close); sessions still open then are destroyed.
   */
  close(graceMs = 0): void {
    this.#closed = true;
    for (const session of this.#slots) {
      if (session === undefined) continue;
      if (graceMs <= 0 || session.destroyed) {
        session.destroy();
        continue;
      }
      session.close();
      setTimeout(() => {
        if (!session.destroyed) session.destroy();
      }, graceMs).unref();
    }
    this.#slots.fill(undefined);
  }

  #connect(index: number): http2.ClientHttp2Session {
    // `noDelay` reaches net.connect for plain `http:` targets without their own createConnection.
    const options: http2.ClientSessionOptions & { noDelay?: boolean } = {
      noDelay: true,
      ...this.target.options,
      maxSessionMemory: this.#maxSessionMemoryMb,
      settings: { enablePush: false, initialWindowSize: this.#windowBytes },
    };
    const session = http2.connect(this.target.url, options);
    const forget = () => {
      if (this.#slots[index] === session) this.#slots[index] = undefined;
    };
    this.#watchConnect(session);
    this.#keepAliveOn(session);
    session.on("connect", () => session.setLocalWindowSize(this.#windowBytes));
    // Errors reach the calls on this session through their streams; the pool only forgets it.
    session.on("error", forget);
    session.on("goaway", forget);
    session.on("close", forget);
    return session;
  }

  /** PINGs the connection while it is open; destroys it when a PING goes unanswered (see the options). */
  #keepAliveOn(session: http2.ClientHttp2Session): void {
    const keepAlive = this.#keepAlive;
    if (keepAlive === undefined) return;
    const { intervalMs, timeoutMs } = keepAlive;
    let waiting: NodeJS.Timeout | undefined;
    const interval = setInterval(() => {
      if (session.destroyed || session.closed || waiting !== undefined || session.connecting) return;
      waiting = setTimeout(() => {
        const error = Object.assign(
          new Error(`${this.target.label} did not answer an HTTP/2 PING within ${timeoutMs} ms`),
          { code: "ETIMEDOUT" },
        );
        session.destroy(error);
      }, timeoutMs);
      waiting.unref();
      const sent = session.ping(() => {
        clearTimeout(waiting);
        waiting = undefined;
      });
      if (!sent) {
        clearTimeout(waiting);
        waiting = undefined;
      }
    }, intervalMs);
    interval.unref();
    session.once("close", () => {
      clearInterval(interval);
      clearTimeout(waiting);
    });
  }

  /** Bounds the connection's establishment and reports its outcome (see the options). */
  #watchConnect(session: http2.ClientHttp2Session): void {
    const limitMs = this.#connectTimeoutMs;
    const report = this.#onConnectOutcome;
    if (limitMs === undefined && report === undefined) return;
    let settled = false;
    let lastError: Error | undefined;
    const settle = (outcome: { ok: true } | { ok: false; error: Error }) => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      report?.(outcome);
    };
    const timer =
      limitMs === undefined
        ? undefined
        : setTimeout(() => {
            const error = Object.assign(
              new Error(`HTTP/2 connection to ${this.target.label} not established within ${limitMs} ms`),
              { code: "ETIMEDOUT" },
            );
            settle({ ok: false, error });
            session.destroy(error);
          }, limitMs);
    // "connect" only means the socket is up; the server's first SETTINGS frame shows it speaks HTTP/2.
    session.once("remoteSettings", () => settle({ ok: true }));
    session.on("error", (error: Error) => {
      lastError = error;
      settle({ ok: false, error });
    });
    session.once("close", () =>
      settle({ ok: false, error: lastError ?? new Error(`connection to ${this.target.label} closed`) }),
    );
  }
}
