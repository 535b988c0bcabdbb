import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ModelStatus, ModelStatusDetails } from "@modelmesh/core";
import { ModelStatusInfo_ModelStatus, type ModelStatusInfoSchema } from "@modelmesh/proto";

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
