import {
  createModelRecord,
  createStoreLayout,
  type KvStore,
  modelRecordCodec,
  tableKey,
} from "@modelmesh/core";

/** etcd's default limit of operations in one transaction (`--max-txn-ops`). */
const writesPerTransaction = 128;

/** What {@link seedRegistry} writes for model number `i`. */
export interface SeedModel {
  readonly id: string;
  readonly type: string;
  readonly path: string;
  readonly key?: string;
}

/**
 * Writes `count` model registrations straight into a KV store, in the original's key layout
 * (`/<prefix>/<service>/registry/<id>`) and record JSON (core's codec), in transactions of 128
 * puts with `inFlight` transactions outstanding. Much faster than `registerModel` one by one;
 * used to fill a registry for memory figures. `lu` is an hour before now, as registerModel sets.
 */
export async function seedRegistry(
  store: KvStore,
  options: {
    readonly serviceName: string;
    readonly kvStorePrefix?: string;
    readonly count: number;
    readonly model: (i: number) => SeedModel;
    readonly inFlight?: number;
  },
): Promise<void> {
  const layout = createStoreLayout({
    serviceName: options.serviceName,
    ...(options.kvStorePrefix === undefined ? {} : { kvStorePrefix: options.kvStorePrefix }),
  });
  const lastUsedMs = Date.now() - 3_600_000;
  let next = 0;
  const worker = async () => {
    while (next < options.count) {
      const first = next;
      next = Math.min(options.count, next + writesPerTransaction);
      const writes = [];
      for (let i = first; i < next; i++) {
        const m = options.model(i);
        const record = createModelRecord({
          type: m.type,
          path: m.path,
          ...(m.key === undefined ? {} : { key: m.key }),
          lastUsedMs,
        });
        writes.push({
          type: "put" as const,
          key: tableKey(layout, "registry", m.id),
          value: modelRecordCodec.encode(record),
        });
      }
      const outcome = await store.transaction({ compares: [], writes });
      if (!outcome.ok) throw new Error("seeding transaction failed");
    }
  };
  await Promise.all(Array.from({ length: options.inFlight ?? 4 }, worker));
}
