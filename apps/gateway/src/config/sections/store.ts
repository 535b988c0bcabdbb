import { type EtcdConnectionConfig, parseEtcdKvStore } from "@modelmesh/store-etcd";
import { boolean, integer, text } from "../parsers.js";
import type { ConfigReader } from "../reader.js";

/** Which KV store holds the mesh's shared state. */
export type StoreConfig =
  | {
      /** Durable single-process store on local disk (default when `KV_STORE` is unset). */
      readonly kind: "embedded";
      readonly dataDir: string;
    }
  | {
      /** etcd: the `<config>` part of `KV_STORE=etcd:<config>` (endpoints or a JSON file path). */
      readonly kind: "etcd";
      readonly spec: string;
      /** The parsed connection (endpoints, root prefix, credentials, TLS). */
      readonly connection: EtcdConnectionConfig;
    };

/** Store settings. */
export interface StoreSection {
  readonly store: StoreConfig;
  /** `MM_KVSTORE_PREFIX`: first key segment; never change it for an existing deployment. */
  readonly kvPrefix: string;
  /** `MM_KV_SESSION_TTL_MS`: lease TTL of this instance's ephemeral keys. */
  readonly sessionTtlMs: number;
  /**
   * `MM_KV_REQUEST_TIMEOUT_MS`: deadline of one store call, and the store budget of one
   * management call (registerModel, unregisterModel) with all its retries.
   */
  readonly requestTimeoutMs: number;
  /** `MM_KV_KEEPALIVE_TIME_MS`: gRPC keep-alive PING interval on busy etcd connections. */
  readonly keepaliveTimeMs: number;
  /** `MM_KV_KEEPALIVE_TIMEOUT_MS`: an unanswered PING closes the etcd connection after this long. */
  readonly keepaliveTimeoutMs: number;
  /** `KV_READ_ONLY`: read-only migration mode (docs/migrating-stores.md). */
  readonly readOnly: boolean;
}

const prefix = (raw: string) =>
  /^[^\s/]+$/.test(raw.trim())
    ? { ok: true as const, value: raw.trim() }
    : { ok: false as const, error: "must be non-empty without whitespace or '/'" };

/** Reads `KV_STORE`, `MM_DATA_DIR`, `MM_KVSTORE_PREFIX` and the session TTL. */
export function readStoreSection(r: ConfigReader): StoreSection {
  const kvStore = r.read(
    {
      env: "KV_STORE",
      flag: "kv-store",
      description:
        "etcd:<endpoints>[;rootPrefix=x] or etcd:<path to JSON config>; unset = the embedded store",
    },
    text,
  );
  const dataDir = r.read(
    { env: "MM_DATA_DIR", description: "directory of the embedded store", default: ".modelmesh-data" },
    text,
  );
  const zookeeper = r.read({ env: "ZOOKEEPER", description: "not supported (use etcd)" }, text);
  if (zookeeper !== undefined) r.fail("ZOOKEEPER: ZooKeeper is not supported; set KV_STORE=etcd:<endpoints>");
  const kvPrefix = r.read(
    { env: "MM_KVSTORE_PREFIX", description: "first segment of every KV key", default: "tas-runtime" },
    prefix,
  );
  const sessionTtlMs = r.read(
    {
      env: "MM_KV_SESSION_TTL_MS",
      description: "lease TTL of this instance's ephemeral keys (ms)",
      default: 20_000,
    },
    (raw) => {
      const n = Number(raw);
      return Number.isInteger(n) && n >= 1000
        ? { ok: true, value: n }
        : { ok: false, error: "must be ≥ 1000" };
    },
  );
  const requestTimeoutMs = r.read(
    {
      env: "MM_KV_REQUEST_TIMEOUT_MS",
      description:
        "deadline of one store call; also the store budget of a registerModel/unregisterModel call (ms)",
      default: 10_000,
    },
    integer(100, 600_000),
  );
  const keepaliveTimeMs = r.read(
    {
      env: "MM_KV_KEEPALIVE_TIME_MS",
      description:
        "gRPC keep-alive PING interval on etcd connections with calls or watches open (ms; keep ≥ etcd's --grpc-keepalive-min-time, 5 s by default)",
      default: 10_000,
    },
    integer(1000, 3_600_000),
  );
  const keepaliveTimeoutMs = r.read(
    {
      env: "MM_KV_KEEPALIVE_TIMEOUT_MS",
      description: "an etcd connection whose keep-alive PING is unanswered this long is closed (ms)",
      default: 5000,
    },
    integer(100, 600_000),
  );
  const readOnly = r.read(
    {
      env: "KV_READ_ONLY",
      description:
        "read-only migration mode: no new registrations or deletions, no vmodel changes, no registry pruning",
      default: false,
    },
    boolean,
  );
  return {
    readOnly,
    store: parseKvStore(r, kvStore, dataDir),
    kvPrefix,
    sessionTtlMs,
    requestTimeoutMs,
    keepaliveTimeMs,
    keepaliveTimeoutMs,
  };
}

function parseKvStore(r: ConfigReader, kvStore: string | undefined, dataDir: string): StoreConfig {
  if (kvStore === undefined) return { kind: "embedded", dataDir };
  if (kvStore.startsWith("etcd:") && kvStore.length > 5) {
    const parsed = parseEtcdKvStore(kvStore);
    if (!parsed.ok) {
      for (const problem of parsed.problems) r.fail(problem);
      return { kind: "embedded", dataDir };
    }
    r.warnings.push(...parsed.warnings);
    return { kind: "etcd", spec: kvStore.slice(5), connection: parsed.config };
  }
  if (kvStore.startsWith("zookeeper:")) {
    r.fail("KV_STORE: ZooKeeper is not supported; use etcd:<endpoints>");
  } else {
    r.fail(`KV_STORE=${JSON.stringify(kvStore)}: must be etcd:<endpoints> or etcd:<path to JSON config>`);
  }
  return { kind: "embedded", dataDir };
}
