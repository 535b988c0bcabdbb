/**
 * @modelmesh/store-etcd: the ModelMesh KV store port on etcd. Parse `KV_STORE` with
 * {@link parseEtcdKvStore}, then {@link connectEtcdStore}; the result is a `KvStore` for
 * `createMeshStore` of `@modelmesh/core`. No etcd3 type is part of this API.
 */
export type { EtcdStoreOptions } from "./connect.js";
export {
  connectEtcdStore,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_RANGE_PAGE_SIZE,
  DEFAULT_REQUEST_TIMEOUT_MS,
} from "./connect.js";
export type { EtcdConnectionConfig, EtcdTlsConfig } from "./connection-config.js";
export { DEFAULT_ETCD_PORT } from "./connection-config.js";
export { DEFAULT_KEEPALIVE_TIME_MS, DEFAULT_KEEPALIVE_TIMEOUT_MS } from "./etcd-client.js";
export type { EtcdKvStoreParseResult } from "./parse-kv-store.js";
export { parseEtcdKvStore } from "./parse-kv-store.js";
