import { MeshError } from "@modelmesh/core";
import type { VModelTables } from "./records.js";

/**
 * The model a vmodel's calls go to now, from this instance's mirror (no store access): the hot
 * path of every call by `mm-vmodel-id`. Undefined when the mirror does not hold the vmodel.
 */
export function activeModelOf(tables: VModelTables, vModelId: string): string | undefined {
  return tables.vmodelsMirror.get(vModelId)?.value.activeModelId;
}

/**
 * Resolves a vmodel to the model to call, reading the store when the mirror does not have the
 * vmodel (NOT_FOUND "vmodel not found" when the store has none either). With `notFoundModelId`
 * (a first attempt found that model gone, e.g. deleted as a transition completed) the vmodel is
 * read from the store again: its new active model, else its target when the active one is still
 * the missing model; INTERNAL "Target model X of vmodel Y not found" when both are.
 */
export async function resolveVModel(
  tables: VModelTables,
  vModelId: string,
  notFoundModelId?: string,
): Promise<string> {
  const cached = tables.vmodelsMirror.get(vModelId)?.value;
  const vmodel = cached ?? (await tables.vmodels.get(vModelId))?.value;
  if (vmodel === undefined) throw new MeshError("MODEL_NOT_FOUND", "vmodel not found");
  if (notFoundModelId === undefined || vmodel.activeModelId !== notFoundModelId) return vmodel.activeModelId;
  const fresh = (await tables.vmodels.get(vModelId))?.value;
  if (fresh === undefined) throw new MeshError("MODEL_NOT_FOUND", "vmodel not found");
  if (fresh.activeModelId !== notFoundModelId) return fresh.activeModelId;
  if (fresh.targetModelId !== notFoundModelId) return fresh.targetModelId;
  throw new MeshError("INTERNAL", `Target model ${notFoundModelId} of vmodel ${vModelId} not found`);
}
