import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ModelStatus, ModelStatusDetails, VModelStatus } from "@modelmesh/core";
import {
  ModelStatusInfo_ModelStatus,
  type ModelStatusInfoSchema,
  VModelStatusInfo_VModelStatus,
  type VModelStatusInfoSchema,
} from "@modelmesh/proto";
import type { VModelStatusDetails } from "../vmodels/vmodel-deps.js";

const statusEnum: Record<ModelStatus, ModelStatusInfo_ModelStatus> = {
  NOT_FOUND: ModelStatusInfo_ModelStatus.NOT_FOUND,
  NOT_LOADED: ModelStatusInfo_ModelStatus.NOT_LOADED,
  LOADING: ModelStatusInfo_ModelStatus.LOADING,
  LOADED: ModelStatusInfo_ModelStatus.LOADED,
  LOADING_FAILED: ModelStatusInfo_ModelStatus.LOADING_FAILED,
  UNKNOWN: ModelStatusInfo_ModelStatus.UNKNOWN,
};

/** A `ModelStatusInfo` message (§13.2) from the core's status details. */
export function toStatusInfo(details: ModelStatusDetails): MessageInitShape<typeof ModelStatusInfoSchema> {
  return {
    status: statusEnum[details.status],
    errors: [...details.errors],
    modelCopyInfos: details.copies.map((copy) => ({
      location: copy.location,
      copyStatus: statusEnum[copy.copyStatus],
      time: BigInt(Math.max(0, Math.trunc(copy.timeMs))),
    })),
  };
}

const vmodelStatusEnum: Record<VModelStatus, VModelStatusInfo_VModelStatus> = {
  NOT_FOUND: VModelStatusInfo_VModelStatus.NOT_FOUND,
  DEFINED: VModelStatusInfo_VModelStatus.DEFINED,
  TRANSITIONING: VModelStatusInfo_VModelStatus.TRANSITIONING,
  TRANSITION_FAILED: VModelStatusInfo_VModelStatus.TRANSITION_FAILED,
};

/** A `VModelStatusInfo` message from a vmodel report. */
export function toVModelStatusInfo(
  details: VModelStatusDetails,
): MessageInitShape<typeof VModelStatusInfoSchema> {
  return {
    status: vmodelStatusEnum[details.status],
    activeModelId: details.activeModelId,
    targetModelId: details.targetModelId,
    owner: details.owner ?? "",
    ...(details.activeModelStatus === undefined
      ? {}
      : { activeModelStatus: toStatusInfo(details.activeModelStatus) }),
    ...(details.targetModelStatus === undefined
      ? {}
      : { targetModelStatus: toStatusInfo(details.targetModelStatus) }),
  };
}
