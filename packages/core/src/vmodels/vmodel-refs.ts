import { decRefCount, incRefCount } from "../records/model-record.js";
import type { ModelRecord, VModelRecord } from "../records/types.js";

/**
 * The models a vmodel holds a reference on: its active model and, while it is in transition, its
 * target. Each counts once in that model's `refs`, however the vmodel got there.
 */
export function referencedModels(vmodel: VModelRecord | undefined): ReadonlySet<string> {
  if (vmodel === undefined) return new Set();
  return new Set([vmodel.activeModelId, vmodel.targetModelId]);
}

/** A model record change of a vmodel write: the new record, or `null` to delete it. */
export type ModelChange = ModelRecord | null;

/**
 * The model record changes that moving a vmodel from `before` to `after` implies (design
 * `docs/design/vmodels.md`, "References"): every model that stops being referenced loses one
 * reference and is deleted when it was created for the vmodel (`autoDel`) and nothing refers to
 * it any more; every model that starts being referenced gains one. Computing the counts from the
 * two reference sets means no sequence of changes can leak or double-count a reference.
 * `models` holds the current record of every model named by either side (undefined: absent; an
 * absent model is skipped). `overrides` replaces a record before its count changes (a target
 * created by this write, or a target whose `lu` moves).
 */
export function referenceChanges(
  before: VModelRecord | undefined,
  after: VModelRecord | undefined,
  models: ReadonlyMap<string, ModelRecord | undefined>,
  overrides: ReadonlyMap<string, ModelRecord> = new Map(),
): Map<string, ModelChange> {
  const was = referencedModels(before);
  const now = referencedModels(after);
  const changes = new Map<string, ModelChange>(overrides);
  for (const id of was) {
    if (now.has(id)) continue;
    const record = changes.get(id) ?? models.get(id);
    if (record === undefined || record === null) continue;
    const next = decRefCount(record);
    changes.set(id, next.refs === 0 && next.autoDelete ? null : next);
  }
  for (const id of now) {
    if (was.has(id)) continue;
    const record = changes.get(id) ?? models.get(id);
    if (record === undefined || record === null) continue;
    changes.set(id, incRefCount(record));
  }
  return changes;
}

/** Number of copies (loaded or loading) a model record lists. */
export function copyCount(record: ModelRecord | undefined): number {
  return record === undefined ? 0 : Object.keys(record.instanceIds).length;
}
