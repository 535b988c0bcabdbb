import { MeshError } from "../errors.js";

/** The tables the mesh keeps in its KV store (§1.2), each a flat key prefix. */
export const storeTableNames = ["registry", "vmodels", "instances", "config", "leaderLatch"] as const;

/** One of {@link storeTableNames}. */
export type StoreTableName = (typeof storeTableNames)[number];

/** Default of `MM_KVSTORE_PREFIX` (§12.1). */
export const DEFAULT_KVSTORE_PREFIX = "tas-runtime";

/** Where a mesh's keys live: `/<kvStorePrefix>/<serviceName>/<table>/<id>` (§1.2). */
export interface StoreLayout {
  /** `MM_KVSTORE_PREFIX`; never changes for an existing deployment. */
  readonly kvStorePrefix: string;
  /** `MM_SERVICE_NAME`: the logical cluster. */
  readonly serviceName: string;
}

/**
 * Validates `MM_KVSTORE_PREFIX`: unset or empty means {@link DEFAULT_KVSTORE_PREFIX}; otherwise it
 * must contain no whitespace and no `/` (§1.2).
 */
export function parseKvStorePrefix(
  value: string | undefined,
): { readonly ok: true; readonly value: string } | { readonly ok: false; readonly error: string } {
  if (value === undefined || value === "") return { ok: true, value: DEFAULT_KVSTORE_PREFIX };
  if (/[\s/]/.test(value)) {
    return {
      ok: false,
      error: `MM_KVSTORE_PREFIX must not contain whitespace or "/": ${JSON.stringify(value)}`,
    };
  }
  return { ok: true, value };
}

/**
 * Builds a {@link StoreLayout}, validating both parts: the prefix as {@link parseKvStorePrefix},
 * the service name non-empty without `/` or whitespace (it is a path segment). Throws a
 * `MeshError` (`INVALID_ARGUMENT`) on bad input.
 */
export function createStoreLayout(options: { kvStorePrefix?: string; serviceName: string }): StoreLayout {
  const prefix = parseKvStorePrefix(options.kvStorePrefix);
  if (!prefix.ok) throw new MeshError("INVALID_ARGUMENT", prefix.error);
  if (options.serviceName === "" || /[\s/]/.test(options.serviceName)) {
    throw new MeshError(
      "INVALID_ARGUMENT",
      `the service name must be non-empty without whitespace or "/": ${JSON.stringify(options.serviceName)}`,
    );
  }
  return Object.freeze({ kvStorePrefix: prefix.value, serviceName: options.serviceName });
}

/** Key prefix of a table, with its trailing slash: `/tas-runtime/<service>/registry/`. */
export function tableKeyPrefix(layout: StoreLayout, table: StoreTableName): string {
  return `/${layout.kvStorePrefix}/${layout.serviceName}/${table}/`;
}

/** Key of one record: `/tas-runtime/<service>/<table>/<id>`. */
export function tableKey(layout: StoreLayout, table: StoreTableName, id: string): string {
  return tableKeyPrefix(layout, table) + id;
}
