import { type Client, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { type InstanceRecord, MeshError } from "@modelmesh/core";
import { MeshPeerService } from "@modelmesh/proto";
import { GrpcForwarder, Http2SessionPool, type SessionPoolOptions } from "@modelmesh/runtime-client";
import { DEFAULT_INTERNAL_PORT, peerEndpointOf, peerTarget } from "./peer-address.js";
import { decodePeerError } from "./peer-errors.js";
import type { PeerTls } from "./peer-tls.js";
import { poolSessionManager } from "./pool-session-manager.js";
import type { PeerResult } from "./routing-context.js";

/** The ways to talk to one peer, over one pooled HTTP/2 connection (or a few). */
export interface PeerConnection {
  readonly instanceId: string;
  /** `host:port` of its internal service. */
  readonly label: string;
  /** Forwards inference calls byte for byte; errors decoded from the peer's error-kind trailers. */
  readonly forwarder: GrpcForwarder;
  /** `MeshPeerService` over the same sessions. */
  readonly status: Client<typeof MeshPeerService>;
}

/** Options for {@link PeerDirectory}. */
export interface PeerDirectoryOptions extends SessionPoolOptions {
  /** Internal port assumed for records that carry only a location. Default 8080. */
  readonly defaultPort?: number;
  /**
   * Largest forwarded response message accepted, bytes (`MM_SVC_GRPC_MAX_MSG_SIZE`). Default
   * 16 MiB, as for the runtime.
   */
  readonly maxMessageBytes?: number;
  /** Largest status answer accepted, bytes. Default 4 MiB. */
  readonly maxStatusBytes?: number;
  /**
   * Longest wait for a connection to a peer to be established, ms. Default
   * {@link DEFAULT_PEER_CONNECT_TIMEOUT_MS}. (The original's internal calls had no fixed timeout,
   * but its transport bounded connection attempts; a peer that accepts connections and never
   * answers must not hold every call routed to it until the call's deadline.)
   */
  readonly connectTimeoutMs?: number;
  /** First pause after a failed connection attempt, ms; it doubles per further failure. Default 1000. */
  readonly backoffBaseMs?: number;
  /** Longest pause between connection attempts to an unreachable peer, ms. Default 10 000. */
  readonly backoffMaxMs?: number;
  /** Clock for the backoff, epoch ms. Default `Date.now`. */
  readonly now?: () => number;
  /** TLS (and the client certificate for mTLS) of connections to peers; absent = plaintext. */
  readonly tls?: PeerTls;
}

/** Default {@link PeerDirectoryOptions.connectTimeoutMs}: generous for a loaded machine, short next to a call. */
export const DEFAULT_PEER_CONNECT_TIMEOUT_MS = 3000;

/**
 * Default HTTP/2 PING interval on peer connections, ms (unanswered for 5 s: the connection and its
 * calls in flight fail, and routing tries elsewhere). Bounds calls to a peer that froze or whose
 * network went silent after the connection was made, which the connect limit cannot see.
 */
export const DEFAULT_PEER_KEEPALIVE_INTERVAL_MS = 10_000;

/** How long calls in flight to a peer that left the instance table (or moved) may still take, ms. */
const LEFT_PEER_GRACE_MS = 10_000;

/** Connection attempts that failed in a row, and until when the peer counts as unreachable. */
interface Backoff {
  failures: number;
  untilMs: number;
}

interface Entry {
  readonly connection: PeerConnection;
  readonly pool: Http2SessionPool;
  readonly backoff: Backoff;
  /** The record last resolved to this connection: the same object needs no parsing (hot path). */
  record: InstanceRecord;
}

/**
 * Maps peer instances (id and instance record, from the instance table) to pooled HTTP/2
 * connections to their internal service. Connections are made on first use and kept; a record
 * whose endpoint changed (the instance restarted elsewhere with the same id) gets a new one, and
 * {@link PeerDirectory.retainOnly} closes those of instances that left the table.
 *
 * Connection attempts are bounded (`connectTimeoutMs`). After an attempt fails (refused, reset,
 * garbage instead of HTTP/2, or no answer in time) the peer is {@link PeerDirectory.isReachable |
 * unreachable} for a pause that doubles with each further failure (capped), so routing skips its
 * copies and placement its space instead of paying for the same failure on every request; a
 * successful connection, a new endpoint or a new start time in its record clears the pause.
 */
export class PeerDirectory {
  readonly #peers = new Map<string, Entry>();
  readonly #options: PeerDirectoryOptions;
  #closed = false;

  constructor(options: PeerDirectoryOptions = {}) {
    this.#options = options;
  }

  /**
   * False while a peer is in its pause after failed connection attempts (see the class comment);
   * true for peers never tried, and when `record` (its current one) shows it restarted since.
   */
  isReachable(instanceId: string, record?: InstanceRecord): boolean {
    const entry = this.#peers.get(instanceId);
    if (entry === undefined || entry.backoff.untilMs <= this.#now()) return true;
    // A restarted process (a new start time in its record) deserves a fresh attempt.
    return record !== undefined && record.startTimeMs !== entry.record.startTimeMs;
  }

  /** Peers with an open connection entry. */
  get size(): number {
    return this.#peers.size;
  }

  /**
   * The connection to `instanceId` at the endpoint its record names. An `INSTANCE_UNAVAILABLE`
   * error (retryable) when the record names no usable endpoint or the directory is closed.
   */
  connectionFor(instanceId: string, record: InstanceRecord): PeerResult<PeerConnection> {
    const known = this.#peers.get(instanceId);
    if (known !== undefined && known.record === record) return { ok: true, value: known.connection };
    const endpoint = peerEndpointOf(record, this.#options.defaultPort ?? DEFAULT_INTERNAL_PORT);
    if (this.#closed || endpoint === undefined) {
      const why = this.#closed
        ? "the peer directory is closed"
        : "its instance record names no internal endpoint";
      return {
        ok: false,
        error: new MeshError("INSTANCE_UNAVAILABLE", `cannot reach peer ${instanceId}: ${why}`, {
          instanceId,
        }),
      };
    }
    const target = peerTarget(endpoint, this.#options.tls);
    if (known !== undefined && known.connection.label === target.label) {
      if (known.record.startTimeMs !== record.startTimeMs) {
        known.backoff.failures = 0;
        known.backoff.untilMs = 0;
      }
      known.record = record;
      return { ok: true, value: known.connection };
    }
    known?.pool.close(LEFT_PEER_GRACE_MS);
    const entry = this.#connect(instanceId, target, record);
    this.#peers.set(instanceId, entry);
    return { ok: true, value: entry.connection };
  }

  /**
   * Closes the connections of every peer not in `instanceIds` (those that left the instance
   * table). Calls in flight there may still finish: a peer deletes its record at the end of a
   * graceful shutdown while it answers its last forwarded calls (a crashed peer's connection
   * fails on its own).
   */
  retainOnly(instanceIds: ReadonlySet<string>): void {
    for (const [id, entry] of this.#peers) {
      if (instanceIds.has(id)) continue;
      entry.pool.close(LEFT_PEER_GRACE_MS);
      this.#peers.delete(id);
    }
  }

  /** Closes every connection; calls in flight fail with `INSTANCE_UNAVAILABLE`. Idempotent. */
  close(): void {
    this.#closed = true;
    for (const entry of this.#peers.values()) entry.pool.close();
    this.#peers.clear();
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  #connect(instanceId: string, target: ReturnType<typeof peerTarget>, record: InstanceRecord): Entry {
    const options = this.#options;
    const backoff: Backoff = { failures: 0, untilMs: 0 };
    const baseMs = options.backoffBaseMs ?? 1000;
    const maxMs = options.backoffMaxMs ?? 10_000;
    const pool = new Http2SessionPool(target, {
      ...options,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_PEER_CONNECT_TIMEOUT_MS,
      keepAliveIntervalMs: options.keepAliveIntervalMs ?? DEFAULT_PEER_KEEPALIVE_INTERVAL_MS,
      onConnectOutcome: (outcome) => {
        if (outcome.ok) {
          backoff.failures = 0;
          backoff.untilMs = 0;
          return;
        }
        const pauseMs = Math.min(maxMs, baseMs * 2 ** Math.min(backoff.failures, 20));
        backoff.failures++;
        backoff.untilMs = this.#now() + pauseMs;
      },
    });
    const peer = { instanceId, label: target.label };
    const forwarder = new GrpcForwarder(target, {
      sessionPool: pool,
      ...(options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes }),
      translateError: (_method, status, metadata) => decodePeerError(status, metadata, peer),
    });
    const transport = createGrpcTransport({
      baseUrl: target.url,
      sessionManager: poolSessionManager(pool),
      readMaxBytes: options.maxStatusBytes ?? 4 * 1024 * 1024,
      // Status answers are small; compressing them costs more than it saves.
      acceptCompression: [],
    });
    const status = createClient(MeshPeerService, transport);
    return { pool, backoff, record, connection: { instanceId, label: target.label, forwarder, status } };
  }
}
