import type {
  KvTable,
  MeshStore,
  ModelChange,
  ModelRecord,
  StoreCallOptions,
  TableMirror,
  TxnOp,
  Versioned,
  VModelRecord,
} from "@modelmesh/core";
import { txnOp } from "@modelmesh/core";
import type { MeshContext } from "../mesh-context.js";

/** The store tables the vmodel operations read and write. */
export interface VModelTables {
  readonly vmodels: KvTable<VModelRecord>;
  readonly vmodelsMirror: TableMirror<VModelRecord>;
  /** The store's multi-key transaction (`MeshStore.transaction`). */
  readonly transaction: MeshStore["transaction"];
}

/**
 * Reads a record from the instance's mirror, or from the store when the mirror does not have it
 * or `strong` is set (a record created elsewhere a moment ago, or a retry after a conflict).
 */
export async function readRecord<T>(
  mirror: TableMirror<T>,
  table: KvTable<T>,
  id: string,
  strong: boolean,
  call: StoreCallOptions,
): Promise<Versioned<T> | undefined> {
  if (!strong) {
    const cached = mirror.get(id);
    if (cached !== undefined) return cached;
  }
  return table.get(id, call);
}

/** Reads the model records of `ids` (duplicates read once). */
export async function readModels(
  ctx: MeshContext,
  ids: Iterable<string>,
  strong: boolean,
  call: StoreCallOptions,
): Promise<Map<string, Versioned<ModelRecord> | undefined>> {
  const unique = [...new Set(ids)];
  const records = await Promise.all(
    unique.map((id) => readRecord(ctx.registryMirror, ctx.registry, id, strong, call)),
  );
  return new Map(unique.map((id, i) => [id, records[i]]));
}

/** The values of versioned model records, for the pure planners. */
export function modelValues(
  models: ReadonlyMap<string, Versioned<ModelRecord> | undefined>,
): Map<string, ModelRecord | undefined> {
  return new Map([...models].map(([id, versioned]) => [id, versioned?.value]));
}

/** One vmodel change to commit: the vmodel as read, what it becomes, and the model records that change with it. */
export interface VModelCommit {
  readonly vModelId: string;
  readonly current: Versioned<VModelRecord> | undefined;
  /** The vmodel after the change; `null` deletes it. */
  readonly next: VModelRecord | null;
  /** Model records as read (their revisions are compared). */
  readonly models: ReadonlyMap<string, Versioned<ModelRecord> | undefined>;
  readonly modelChanges: ReadonlyMap<string, ModelChange>;
  /** Models that must still be as read (besides the changed ones), e.g. a target that must exist. */
  readonly alsoCompare?: readonly string[];
}

/**
 * Commits a vmodel change in one multi-key transaction: the vmodel record and every changed model
 * record, each compared with the revision it was read at (0: must be absent). Returns false on a
 * conflict: the caller reads again and re-plans.
 */
export async function commitVModel(
  ctx: MeshContext,
  tables: VModelTables,
  commit: VModelCommit,
  call: StoreCallOptions,
): Promise<boolean> {
  const vmodelRevision = commit.current?.revision ?? 0;
  const id = commit.vModelId;
  const unchanged =
    commit.next !== null && commit.current !== undefined && commit.next === commit.current.value;
  const ops: TxnOp<unknown>[] = [
    commit.next === null
      ? txnOp(tables.vmodels, { id, expectedRevision: vmodelRevision, delete: true })
      : unchanged
        ? // Compared, not rewritten: a put of the same value would wake every watcher for nothing.
          txnOp(tables.vmodels, { id, expectedRevision: vmodelRevision })
        : txnOp(tables.vmodels, { id, expectedRevision: vmodelRevision, put: commit.next }),
  ];
  const compared = new Set([...commit.modelChanges.keys(), ...(commit.alsoCompare ?? [])]);
  for (const modelId of compared) {
    const expectedRevision = commit.models.get(modelId)?.revision ?? 0;
    const change = commit.modelChanges.get(modelId);
    ops.push(
      change === undefined
        ? txnOp(ctx.registry, { id: modelId, expectedRevision })
        : change === null
          ? txnOp(ctx.registry, { id: modelId, expectedRevision, delete: true })
          : txnOp(ctx.registry, { id: modelId, expectedRevision, put: change }),
    );
  }
  const outcome = await tables.transaction(ops, call);
  return outcome.ok;
}
