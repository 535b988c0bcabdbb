import {
  createMeshStore,
  createStoreLayout,
  type KvStore,
  type Logger,
  type MeshStore,
} from "@modelmesh/core";
import { openEmbeddedStore } from "@modelmesh/store-embedded";
import { connectEtcdStore } from "@modelmesh/store-etcd";
import type { GatewayConfig } from "../config/config.js";

/**
 * How long the start-up check may try to reach etcd. Shorter than the store's 5 s default so
 * the whole process fails within 5 s of starting, as the original (ModelMeshEtcdFailFastTest).
 */
export const ETCD_STARTUP_CONNECT_TIMEOUT_MS = 2500;

/**
 * Opens the configured KV store (the embedded one by default, or etcd) and wraps it in the
 * mesh's typed view. Rejects with the adapter's error (for etcd: "Problem connecting to etcd: …").
 */
export async function openMeshStore(config: GatewayConfig, logger: Logger): Promise<MeshStore> {
  const { store, kvPrefix, sessionTtlMs, requestTimeoutMs, keepaliveTimeMs, keepaliveTimeoutMs } =
    config.store;
  let kv: KvStore;
  if (store.kind === "etcd") {
    kv = await connectEtcdStore({
      connection: store.connection,
      connectTimeoutMs: ETCD_STARTUP_CONNECT_TIMEOUT_MS,
      sessionTtlMs,
      requestTimeoutMs,
      keepaliveTimeMs,
      keepaliveTimeoutMs,
      logger,
    });
  } else {
    kv = await openEmbeddedStore({ dir: store.dataDir, logger });
  }
  const layout = createStoreLayout({ kvStorePrefix: kvPrefix, serviceName: config.identity.serviceName });
  return createMeshStore({ kv, layout, logger: logger.child({ component: "mesh-store" }) });
}
