import {
  copyCount,
  describeModelStatus,
  inTransition,
  type ModelStatusDetails,
  type VModelRecord,
  vmodelStatus,
} from "@modelmesh/core";
import { modelStatus } from "../routing/status-route.js";
import { readRecord } from "./records.js";
import { VMODEL_NOT_FOUND, type VModelDeps, type VModelStatusDetails } from "./vmodel-deps.js";

/**
 * The target's status while in transition: the leader keeps loading it, so it is LOADING, or
 * LOADING_FAILED once its load failed everywhere it was tried and it has no copy left.
 */
async function targetStatus(deps: VModelDeps, vmodel: VModelRecord): Promise<ModelStatusDetails | undefined> {
  if (!inTransition(vmodel)) return undefined;
  const { ctx } = deps;
  const record = (await readRecord(ctx.registryMirror, ctx.registry, vmodel.targetModelId, false, {}))?.value;
  if (record === undefined) return { status: "NOT_FOUND", errors: [], copies: [] };
  const failed = vmodel.targetFailed && Object.keys(record.failedIn).length > 0 && copyCount(record) === 0;
  return describeModelStatus({
    status: failed ? "LOADING_FAILED" : "LOADING",
    record,
    nowMs: ctx.clock.nowMs(),
  });
}

/** Builds the report of a vmodel record, with the active model's status as given. */
export async function reportVModel(
  deps: VModelDeps,
  vmodel: VModelRecord,
  activeModelStatus: ModelStatusDetails,
): Promise<VModelStatusDetails> {
  const target = await targetStatus(deps, vmodel);
  return {
    status: vmodelStatus(vmodel),
    activeModelId: vmodel.activeModelId,
    targetModelId: vmodel.targetModelId,
    ...(vmodel.owner === undefined ? {} : { owner: vmodel.owner }),
    activeModelStatus,
    ...(target === undefined ? {} : { targetModelStatus: target }),
  };
}

function ownerMismatch(vmodel: VModelRecord, owner: string | undefined): boolean {
  return owner !== undefined && vmodel.owner !== owner;
}

/**
 * `getVModelStatus`: NOT_FOUND with empty ids when the vmodel is absent or owned by someone else;
 * else the active model's status (re-read from the store when that model is gone, in case the
 * vmodel has just moved on) and, while in transition, the target's.
 */
export async function getVModelStatus(
  deps: VModelDeps,
  vModelId: string,
  owner: string | undefined,
): Promise<VModelStatusDetails> {
  const { ctx, view, tables } = deps;
  let vmodel = (await readRecord(tables.vmodelsMirror, tables.vmodels, vModelId, false, {}))?.value;
  if (vmodel === undefined || ownerMismatch(vmodel, owner)) return VMODEL_NOT_FOUND;
  let active = await modelStatus(ctx, view, vmodel.activeModelId);
  if (active.status === "NOT_FOUND") {
    vmodel = (await tables.vmodels.get(vModelId))?.value;
    if (vmodel === undefined || ownerMismatch(vmodel, owner)) return VMODEL_NOT_FOUND;
    active = await modelStatus(ctx, view, vmodel.activeModelId);
    if (active.status === "NOT_FOUND") {
      ctx.logger.warn(
        { vModelId, modelId: vmodel.activeModelId },
        "the active model of a vmodel is not registered",
      );
    }
  }
  return reportVModel(deps, vmodel, active);
}
