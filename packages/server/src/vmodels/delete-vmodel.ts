import { MeshError, planDeleteVModel, type StoreCallOptions } from "@modelmesh/core";
import { refuseInReadOnlyMode } from "../service/read-only.js";
import { commitVModel, modelValues, readModels, readRecord } from "./records.js";
import type { VModelDeps } from "./vmodel-deps.js";

/** Conflicting writers are rare; a loop that keeps losing means something is wrong. */
const MAX_ATTEMPTS = 50;

/**
 * `deleteVModel`: a no-op when the vmodel is absent or owned by someone else (`owner` given and
 * different). Otherwise the record goes in one transaction with its references on the active and
 * target models; a model created for the vmodel (`autoDel`) goes with its last reference.
 */
export async function deleteVModel(
  deps: VModelDeps,
  vModelId: string,
  owner: string | undefined,
  call: StoreCallOptions,
): Promise<void> {
  const { ctx, tables } = deps;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const strong = attempt > 0;
    const current = await readRecord(tables.vmodelsMirror, tables.vmodels, vModelId, strong, call);
    if (current === undefined) return;
    if (owner !== undefined && current.value.owner !== owner) return;
    refuseInReadOnlyMode(ctx, "vmodel", `deleteVModel for ${vModelId}`);
    const vmodel = current.value;
    const models = await readModels(ctx, [vmodel.activeModelId, vmodel.targetModelId], strong, call);
    const plan = planDeleteVModel(vmodel, modelValues(models));
    const ok = await commitVModel(
      ctx,
      tables,
      { vModelId, current, next: null, models, modelChanges: plan.modelChanges },
      call,
    );
    if (ok) {
      const autoDeleted = [...plan.modelChanges].filter(([, change]) => change === null).map(([id]) => id);
      ctx.logger.info({ vModelId, autoDeleted }, "vmodel deleted");
      return;
    }
  }
  throw new MeshError("STORE_CONFLICT", `deleteVModel ${vModelId}: too many conflicting concurrent changes`);
}
