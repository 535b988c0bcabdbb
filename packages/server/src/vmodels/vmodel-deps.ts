import type { ModelStatusDetails, VModelStatus } from "@modelmesh/core";
import type { MeshContext } from "../mesh-context.js";
import type { RoutingView } from "../routing/routing-view.js";
import type { VModelTables } from "./records.js";

/** What the vmodel operations share. */
export interface VModelDeps {
  readonly ctx: MeshContext;
  readonly view: RoutingView;
  readonly tables: VModelTables;
  /** `MM_DEFAULT_VMODEL_OWNER`: owner of vmodels created without one. */
  readonly defaultOwner?: string;
}

/** A vmodel's status as `setVModel` and `getVModelStatus` report it (a `VModelStatusInfo`). */
export interface VModelStatusDetails {
  readonly status: VModelStatus;
  /** Empty when NOT_FOUND. */
  readonly activeModelId: string;
  readonly targetModelId: string;
  readonly owner?: string;
  readonly activeModelStatus?: ModelStatusDetails;
  /** Only while in transition. */
  readonly targetModelStatus?: ModelStatusDetails;
}

/** The answer for an absent vmodel (or one owned by someone else). */
export const VMODEL_NOT_FOUND: VModelStatusDetails = Object.freeze({
  status: "NOT_FOUND",
  activeModelId: "",
  targetModelId: "",
});
