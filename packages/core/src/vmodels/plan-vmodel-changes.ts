import type { ModelRecord, VModelRecord } from "../records/types.js";
import { type ModelChange, referenceChanges } from "./vmodel-refs.js";

/** A vmodel write and the model record changes that go with it, in one transaction. */
export interface VModelChangePlan {
  /** The vmodel after the change; `null`: delete it. */
  readonly vmodel: VModelRecord | null;
  readonly modelChanges: ReadonlyMap<string, ModelChange>;
}

/**
 * Deleting a vmodel: the record goes, and so do its references on the active model and (while in
 * transition) the target; a model created for the vmodel goes with its last reference.
 */
export function planDeleteVModel(
  vmodel: VModelRecord,
  models: ReadonlyMap<string, ModelRecord | undefined>,
): VModelChangePlan {
  return { vmodel: null, modelChanges: referenceChanges(vmodel, undefined, models) };
}

/**
 * Completing a transition: the target becomes the active model and the failure flag clears; the
 * model that was active loses the vmodel's reference (and is deleted when it was created for the
 * vmodel and nothing else refers to it).
 */
export function planPromotion(
  vmodel: VModelRecord,
  models: ReadonlyMap<string, ModelRecord | undefined>,
): VModelChangePlan {
  const next: VModelRecord = { ...vmodel, activeModelId: vmodel.targetModelId, targetFailed: false };
  return { vmodel: next, modelChanges: referenceChanges(vmodel, next, models) };
}

/** Marking (or clearing) the target's load failure; no reference moves. */
export function planTargetFailed(vmodel: VModelRecord, failed: boolean): VModelChangePlan {
  return { vmodel: { ...vmodel, targetFailed: failed }, modelChanges: new Map() };
}

/** True while a vmodel's target differs from its active model. */
export function inTransition(vmodel: VModelRecord): boolean {
  return vmodel.activeModelId !== vmodel.targetModelId;
}

/** The vmodel status reported by `getVModelStatus` and `setVModel`. */
export type VModelStatus = "DEFINED" | "TRANSITIONING" | "TRANSITION_FAILED" | "NOT_FOUND";

/** DEFINED when not in transition, else TRANSITIONING or, once the target failed to load, TRANSITION_FAILED. */
export function vmodelStatus(vmodel: VModelRecord | undefined): VModelStatus {
  if (vmodel === undefined) return "NOT_FOUND";
  if (!inTransition(vmodel)) return "DEFINED";
  return vmodel.targetFailed ? "TRANSITION_FAILED" : "TRANSITIONING";
}
