import { MeshError, type SetVModelRequest } from "@modelmesh/core";
import { checkVModelRequest, type VModelFields } from "./request-limits.js";

/** The wire fields of a setVModel request, as the service receives them. */
export interface SetVModelWire extends VModelFields {
  readonly targetModelId: string;
  readonly updateOnly: boolean;
  readonly modelInfo?: { readonly type: string; readonly path: string; readonly key: string } | undefined;
  readonly autoDeleteTargetModel: boolean;
  readonly loadNow: boolean;
  readonly force: boolean;
  readonly expectedTargetModelId: string;
}

/**
 * Checks the vmodel id and the size of every text field (INVALID_ARGUMENT "Must provide vModelId"
 * for an empty id), for deleteVModel and getVModelStatus.
 */
export function requireVModelId(request: VModelFields): void {
  if (request.vModelId === "") throw new MeshError("INVALID_ARGUMENT", "Must provide vModelId");
  checkVModelRequest(request);
}

/**
 * Validates a setVModel request with the original's messages and turns empty strings into
 * absent values. A `modelInfo` with every field empty counts as absent (as the original); one
 * with a path or key but no type is INVALID_ARGUMENT (the original answered UNKNOWN there).
 */
export function readSetVModelRequest(wire: SetVModelWire): SetVModelRequest {
  requireVModelId(wire);
  if (wire.targetModelId === "") {
    throw new MeshError("INVALID_ARGUMENT", `Must provide target modelId for vmodel ${wire.vModelId}`);
  }
  const info = wire.modelInfo;
  const hasInfo = info !== undefined && (info.type !== "" || info.path !== "" || info.key !== "");
  if (hasInfo && info.type === "") {
    throw new MeshError("INVALID_ARGUMENT", "Must provide non-empty model type string");
  }
  return {
    vModelId: wire.vModelId,
    targetModelId: wire.targetModelId,
    ...(wire.owner === "" ? {} : { owner: wire.owner }),
    updateOnly: wire.updateOnly,
    ...(hasInfo
      ? {
          modelInfo: {
            type: info.type,
            ...(info.path === "" ? {} : { path: info.path }),
            ...(info.key === "" ? {} : { key: info.key }),
          },
        }
      : {}),
    autoDeleteTargetModel: wire.autoDeleteTargetModel,
    loadNow: wire.loadNow,
    force: wire.force,
    ...(wire.expectedTargetModelId === "" ? {} : { expectedTargetModelId: wire.expectedTargetModelId }),
  };
}
