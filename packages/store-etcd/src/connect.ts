import { DEFAULT_SESSION_TTL_MS, type KvStore, type Logger, MeshError, noopLogger } from "@modelmesh/core";
import { runEtcdCall } from "./call.js";
import type { EtcdConnectionConfig } from "./connection-config.js";
import { createEtcdClient, DEFAULT_KEEPALIVE_TIME_MS, DEFAULT_KEEPALIVE_TIMEOUT_MS } from "./etcd-client.js";
import { EtcdKvStore } from "./etcd-store.js";
import { LIVENESS_KEY } from "./guarded-write.js";
import { KeyCodec } from "./keys.js";

/** Default deadline of one store call: 10 s, as the original's etcd client (§1.1). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** Default limit of the start-up connection check. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/**
 * Default keys per page when reading a whole table: 20 000 model records (~8 MB) per response,
 * well inside the client's 256 MiB message limit. Pages are decoded straight from the wire
 * (range-wire.ts), so a larger page no longer keeps more heap per mirrored record; fewer pages
 * mean fewer round trips and less counting in etcd (each limited range also counts the rest of
 * the range): loading 100 000 records took a median 3.1 s against 4.3 s with 5000 per page, same
 * run, on a loaded 2-core machine.
 */
export const DEFAULT_RANGE_PAGE_SIZE = 20_000;

/** Options of {@link connectEtcdStore}. */
export interface EtcdStoreOptions {
  /** Where etcd is (from `parseEtcdKvStore(KV_STORE)`). */
  readonly connection: EtcdConnectionConfig;
  /** Deadline of a call when the caller gives none. Default {@link DEFAULT_REQUEST_TIMEOUT_MS}. */
  readonly requestTimeoutMs?: number;
  /** How long the start-up check may try to reach etcd. Default {@link DEFAULT_CONNECT_TIMEOUT_MS}. */
  readonly connectTimeoutMs?: number;
  /** Session lease TTL when `openSession` is not given one. Default 20 000 ms. */
  readonly sessionTtlMs?: number;
  /** Keys per page when reading a table. Default {@link DEFAULT_RANGE_PAGE_SIZE}. */
  readonly rangePageSize?: number;
  /**
   * Interval of gRPC keep-alive PINGs on connections with calls or streams open. Default
   * {@link DEFAULT_KEEPALIVE_TIME_MS}; keep it at or above etcd's `--grpc-keepalive-min-time`.
   */
  readonly keepaliveTimeMs?: number;
  /** An unanswered PING closes the connection after this long. Default {@link DEFAULT_KEEPALIVE_TIMEOUT_MS}. */
  readonly keepaliveTimeoutMs?: number;
  /** Default: no-op. */
  readonly logger?: Logger;
}

/**
 * Connects to etcd and checks it answers (a count-only read of a dummy key, §1.1 / §9.1), retrying
 * within `connectTimeoutMs`. If it cannot, the client is closed and this rejects with a
 * `MeshError` (`STORE_UNAVAILABLE`) whose message starts with "Problem connecting to etcd: ".
 */
export async function connectEtcdStore(options: EtcdStoreOptions): Promise<KvStore> {
  const logger = (options.logger ?? noopLogger).child({ component: "store-etcd" });
  const client = createEtcdClient(options.connection, {
    timeMs: options.keepaliveTimeMs ?? DEFAULT_KEEPALIVE_TIME_MS,
    timeoutMs: options.keepaliveTimeoutMs ?? DEFAULT_KEEPALIVE_TIMEOUT_MS,
  });
  const keys = new KeyCodec(options.connection.rootPrefix);
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  try {
    await runEtcdCall(
      { defaultTimeoutMs: connectTimeoutMs },
      (deadline) =>
        client.kv.range(
          { key: keys.encode(LIVENESS_KEY), count_only: true, serializable: true },
          { deadline },
        ),
      { what: "connection check", idempotent: true, timeoutMs: connectTimeoutMs },
    );
  } catch (error) {
    client.close();
    const reason = error instanceof Error ? error.message : String(error);
    const endpoints = options.connection.endpoints.join(",");
    throw new MeshError(
      "STORE_UNAVAILABLE",
      `Problem connecting to etcd: ${reason} (endpoints ${endpoints})`,
      {
        cause: error,
      },
    );
  }
  logger.info(
    { endpoints: options.connection.endpoints, rootPrefix: options.connection.rootPrefix },
    "connected to etcd",
  );
  return new EtcdKvStore({
    client,
    keys,
    logger,
    policy: { defaultTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS },
    pageSize: options.rangePageSize ?? DEFAULT_RANGE_PAGE_SIZE,
    defaultSessionTtlMs: options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS,
  });
}
