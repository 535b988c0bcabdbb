/**
 * @modelmesh/store-embedded: the ModelMesh KV store port for a single process, durable on local
 * disk (write-ahead log with fsync and group commit, snapshots, torn-tail recovery). The default
 * store when `KV_STORE` is not set.
 */
export type { EmbeddedStoreOptions } from "./open-embedded-store.js";
export {
  DEFAULT_COMPACT_AFTER_BYTES,
  DEFAULT_DATA_DIR,
  DEFAULT_WRITE_RETRY_INTERVAL_MS,
  openEmbeddedStore,
} from "./open-embedded-store.js";
