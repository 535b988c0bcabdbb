import { MeshError } from "../errors.js";
import { EMPTY_MAP } from "../records/json-read.js";
import { createModelRecord, updateLastUsed } from "../records/model-record.js";
import type { ModelRecord, VModelRecord } from "../records/types.js";
import { copyCount, type ModelChange, referenceChanges, referencedModels } from "./vmodel-refs.js";

const HOUR_MS = 3_600_000;

/** Attributes of a target model that `setVModel` may create. */
export interface TargetModelInfo {
  readonly type: string;
  readonly path?: string;
  readonly key?: string;
}

/** A validated `setVModel` request (empty strings already turned into `undefined`). */
export interface SetVModelRequest {
  readonly vModelId: string;
  readonly targetModelId: string;
  /** Owner the caller claims; absent: any owner matches. */
  readonly owner?: string;
  /** Fail with NOT_FOUND instead of creating the vmodel. */
  readonly updateOnly: boolean;
  /** Create the target model with these attributes when it does not exist. */
  readonly modelInfo?: TargetModelInfo;
  /** A target created by this request is deleted when no vmodel refers to it any more. */
  readonly autoDeleteTargetModel: boolean;
  readonly loadNow: boolean;
  /** Switch the active model at once, without waiting for the target to load. */
  readonly force: boolean;
  /** Compare-and-set: the vmodel's current target must be this (or the requested one). */
  readonly expectedTargetModelId?: string;
}

/** What the planner reads: the vmodel and the model records involved, as they are now. */
export interface SetVModelState {
  readonly vmodel: VModelRecord | undefined;
  /**
   * Current records of the target and of the vmodel's active and target models (undefined:
   * absent). A model missing from the map is treated as absent.
   */
  readonly models: ReadonlyMap<string, ModelRecord | undefined>;
  /** The target model has a loaded copy somewhere. */
  readonly targetLoaded: boolean;
  readonly nowMs: number;
  /** `MM_DEFAULT_VMODEL_OWNER`: owner of vmodels created without one. */
  readonly defaultOwner?: string;
}

/** What {@link planSetVModel} decided. */
export interface SetVModelPlan {
  /** The vmodel record after the change (the current one when nothing changes). */
  readonly vmodel: VModelRecord;
  /** False: the store already holds what the request asks for; nothing to write. */
  readonly write: boolean;
  /** Model records to put (or delete: `null`) in the same transaction. */
  readonly modelChanges: ReadonlyMap<string, ModelChange>;
  readonly createdVModel: boolean;
  readonly createdTarget: boolean;
  /**
   * Copies of the model that was active before the request: the scale the target is brought to
   * (0 when there was none).
   */
  readonly previousActiveCopies: number;
  /** `lu` given to a target that had none: now − 1 h with `loadNow`, else now − 6 h. */
  readonly initialLastUsedMs: number;
}

function sameAttributes(record: ModelRecord, info: TargetModelInfo): boolean {
  return (
    record.type === info.type &&
    (record.path ?? "") === (info.path ?? "") &&
    (record.key ?? "") === (info.key ?? "")
  );
}

function checkExpected(request: SetVModelRequest, vmodel: VModelRecord | undefined): void {
  const expected = request.expectedTargetModelId;
  if (expected === undefined) return;
  const id = request.vModelId;
  if (vmodel === undefined) {
    if (expected !== request.targetModelId)
      throw new MeshError("FAILED_PRECONDITION", `vmodel ${id} not found`);
    return;
  }
  if (request.owner !== undefined && vmodel.owner !== request.owner) {
    throw new MeshError(
      "ALREADY_EXISTS",
      `vmodel ${id} already exists with different owner "${request.owner}"`,
    );
  }
  if (expected !== vmodel.targetModelId && request.targetModelId !== vmodel.targetModelId) {
    throw new MeshError(
      "FAILED_PRECONDITION",
      `Existing target model ${vmodel.targetModelId} does not match expected ${expected}`,
    );
  }
}

/** The vmodel after the request, for an existing vmodel. */
function nextExisting(
  request: SetVModelRequest,
  vmodel: VModelRecord,
  state: SetVModelState,
  target: ModelRecord | undefined,
): VModelRecord {
  const targetId = request.targetModelId;
  if (request.owner !== undefined && vmodel.owner !== request.owner) {
    throw new MeshError(
      "ALREADY_EXISTS",
      `vmodel ${request.vModelId} already exists with different owner "${vmodel.owner ?? ""}"`,
    );
  }
  if (targetId === vmodel.targetModelId) {
    // Already the target: nothing to do unless `force` cuts a pending transition short.
    if (targetId === vmodel.activeModelId || !request.force) return vmodel;
    return { ...vmodel, activeModelId: targetId, targetFailed: false };
  }
  const next = { ...vmodel, targetModelId: targetId, targetFailed: false };
  if (targetId === vmodel.activeModelId) return next;
  const activeCopies = copyCount(state.models.get(vmodel.activeModelId));
  const switchNow =
    request.force ||
    activeCopies === 0 ||
    (target !== undefined && state.targetLoaded && copyCount(target) >= activeCopies);
  return switchNow ? { ...next, activeModelId: targetId } : next;
}

/**
 * Decides what `setVModel` writes (design `docs/design/vmodels.md`): validates the request
 * against the current records (owner, compare-and-set on the target, target attributes), creates
 * or re-targets the vmodel, switches the active model at once when nothing is lost by it (`force`,
 * the active model has no copy, or the target is already loaded on as many instances), creates
 * the target when `modelInfo` is given, and moves the reference counts. Throws MeshErrors with
 * the original's codes and messages. Pure: the caller reads the records and commits the plan in
 * one transaction, retrying with fresh records when it conflicts.
 */
export function planSetVModel(request: SetVModelRequest, state: SetVModelState): SetVModelPlan {
  const { vmodel } = state;
  const targetId = request.targetModelId;
  const initialLastUsedMs = state.nowMs - (request.loadNow ? HOUR_MS : 6 * HOUR_MS);
  checkExpected(request, vmodel);
  const existingTarget = state.models.get(targetId);
  const info = request.modelInfo;
  if (info === undefined && existingTarget === undefined) {
    throw new MeshError("MODEL_NOT_FOUND", `Target model ${targetId} not found`);
  }
  if (info !== undefined && existingTarget !== undefined && !sameAttributes(existingTarget, info)) {
    throw new MeshError(
      "ALREADY_EXISTS",
      `Target model ${targetId} already exists with different attribute values`,
    );
  }
  let next: VModelRecord;
  if (vmodel === undefined) {
    if (request.updateOnly) throw new MeshError("MODEL_NOT_FOUND", `vmodel ${request.vModelId} not found`);
    const owner = request.owner ?? state.defaultOwner;
    next = {
      ...(owner === undefined ? {} : { owner }),
      activeModelId: targetId,
      targetModelId: targetId,
      targetFailed: false,
      extra: EMPTY_MAP,
    };
  } else {
    next = nextExisting(request, vmodel, state, existingTarget);
  }
  const previousActive = vmodel === undefined ? undefined : state.models.get(vmodel.activeModelId);
  const previousActiveCopies = vmodel === undefined ? 0 : copyCount(previousActive);
  const inheritedLastUsed =
    previousActive !== undefined && previousActive.lastUsedMs > 0
      ? previousActive.lastUsedMs
      : initialLastUsedMs;
  const overrides = new Map<string, ModelRecord>();
  const createdTarget = existingTarget === undefined;
  if (createdTarget && info !== undefined) {
    overrides.set(
      targetId,
      createModelRecord({
        type: info.type,
        ...(info.path ? { path: info.path } : {}),
        ...(info.key ? { key: info.key } : {}),
        autoDelete: request.autoDeleteTargetModel,
        lastUsedMs: inheritedLastUsed,
      }),
    );
  } else if (existingTarget !== undefined && !referencedModels(vmodel).has(targetId)) {
    // A newly referenced model takes over the recency of the model it replaces.
    overrides.set(targetId, updateLastUsed(existingTarget, inheritedLastUsed, state.nowMs));
  }
  const modelChanges = referenceChanges(vmodel, next, state.models, overrides);
  const changed =
    vmodel === undefined ||
    next.activeModelId !== vmodel.activeModelId ||
    next.targetModelId !== vmodel.targetModelId ||
    next.targetFailed !== vmodel.targetFailed;
  return {
    vmodel: next,
    write: changed || modelChanges.size > 0,
    modelChanges,
    createdVModel: vmodel === undefined,
    createdTarget,
    previousActiveCopies,
    initialLastUsedMs,
  };
}
