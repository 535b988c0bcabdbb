import {
  copyCount,
  inTransition,
  MeshError,
  type ModelRecord,
  type ModelStatusDetails,
  planSetVModel,
  type SetVModelPlan,
  type SetVModelRequest,
  type StoreCallOptions,
  type Versioned,
  type VModelRecord,
} from "@modelmesh/core";
import { ensureLoaded, modelStatus } from "../routing/status-route.js";
import { refuseInReadOnlyMode } from "../service/read-only.js";
import { commitVModel, modelValues, readModels, readRecord } from "./records.js";
import { matchScale } from "./scale-match.js";
import { storeDeadline } from "./store-deadline.js";
import type { VModelDeps, VModelStatusDetails } from "./vmodel-deps.js";
import { reportVModel } from "./vmodel-status.js";
import { waitForTransition } from "./wait-transition.js";

/** Conflicting writers are rare; a loop that keeps losing means something is wrong. */
const MAX_ATTEMPTS = 50;

/** How a `setVModel` call runs besides its request fields. */
export interface SetVModelOptions {
  /**
   * Wait: for a new vmodel (or one already at its target) created with `modelInfo`, until the
   * target is loaded; for a transition, until it completes or fails (at most 4 minutes).
   */
  readonly sync: boolean;
  /** `mm-balanced` of the call. */
  readonly balanced: boolean;
  readonly signal?: AbortSignal;
  /** Absolute deadline of the call, epoch ms. */
  readonly deadlineMs?: number;
  /** Budget of the store work (reads and transactions, retries included). */
  readonly call: StoreCallOptions;
}

/** True when the target could already replace the active model: worth a status check. */
function mightSwitchNow(
  request: SetVModelRequest,
  vmodel: VModelRecord | undefined,
  models: ReadonlyMap<string, Versioned<ModelRecord> | undefined>,
): boolean {
  if (vmodel === undefined || request.targetModelId === vmodel.activeModelId) return false;
  const activeCopies = copyCount(models.get(vmodel.activeModelId)?.value);
  const targetCopies = copyCount(models.get(request.targetModelId)?.value);
  return activeCopies > 0 && targetCopies >= activeCopies;
}

/** Reads, plans and commits until the transaction holds; returns the plan that was committed. */
async function commitRequest(
  deps: VModelDeps,
  request: SetVModelRequest,
  call: () => StoreCallOptions,
): Promise<SetVModelPlan> {
  const { ctx, tables } = deps;
  const id = request.vModelId;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    // A compare-and-set request reads the vmodel from the store, as does every retry.
    const strong = attempt > 0 || request.expectedTargetModelId !== undefined;
    const current = await readRecord(tables.vmodelsMirror, tables.vmodels, id, strong, call());
    const vmodel = current?.value;
    const ids = [
      request.targetModelId,
      ...(vmodel === undefined ? [] : [vmodel.activeModelId, vmodel.targetModelId]),
    ];
    const models = await readModels(ctx, ids, attempt > 0, call());
    const targetLoaded =
      mightSwitchNow(request, vmodel, models) &&
      (await modelStatus(ctx, deps.view, request.targetModelId)).status === "LOADED";
    const plan = planSetVModel(request, {
      vmodel,
      models: modelValues(models),
      targetLoaded,
      nowMs: ctx.clock.nowMs(),
      ...(deps.defaultOwner === undefined ? {} : { defaultOwner: deps.defaultOwner }),
    });
    if (!plan.write) return plan;
    refuseInReadOnlyMode(ctx, "vmodel", `${plan.createdVModel ? "add" : "update"} of vmodel ${id}`);
    const committed = await commitVModel(
      ctx,
      tables,
      {
        vModelId: id,
        current,
        next: plan.vmodel,
        models,
        modelChanges: plan.modelChanges,
        alsoCompare: [request.targetModelId],
      },
      call(),
    );
    if (committed) {
      const autoDeleted = [...plan.modelChanges].filter(([, change]) => change === null).map(([m]) => m);
      const message = plan.createdVModel
        ? "vmodel created"
        : inTransition(plan.vmodel)
          ? "vmodel target set; the transition starts"
          : "vmodel active model set";
      ctx.logger.info(
        {
          vModelId: id,
          activeModelId: plan.vmodel.activeModelId,
          targetModelId: plan.vmodel.targetModelId,
          ...(autoDeleted.length > 0 ? { autoDeleted } : {}),
        },
        message,
      );
      return plan;
    }
  }
  throw new MeshError("STORE_CONFLICT", `setVModel ${id}: too many conflicting concurrent changes`);
}

const NOT_LOADED: ModelStatusDetails = { status: "NOT_LOADED", errors: [], copies: [] };

/**
 * `setVModel` (design `docs/design/vmodels.md`): creates or re-targets a vmodel in one
 * transaction with its target model (created from `modelInfo` when asked) and the reference
 * counts. A vmodel that ends up at its target loads it when the replaced model had copies (to as
 * many copies) or with `loadNow`; a transition is carried out by the leader, and `sync` waits for
 * it. Answers the vmodel's status with the active (and pending target) model's status.
 */
export async function setVModel(
  deps: VModelDeps,
  request: SetVModelRequest,
  options: SetVModelOptions,
): Promise<VModelStatusDetails> {
  const { ctx, view, tables } = deps;
  const plan = await commitRequest(deps, request, storeDeadline(options.call));
  const waiting = {
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.deadlineMs === undefined ? {} : { deadlineMs: options.deadlineMs }),
  };
  const targetId = request.targetModelId;
  if (!inTransition(plan.vmodel)) {
    const copies = plan.previousActiveCopies > 0 ? plan.previousActiveCopies : request.loadNow ? 1 : 0;
    let status: ModelStatusDetails;
    if (copies > 0) {
      status = await ensureLoaded(ctx, view, targetId, {
        lastUsedMs: plan.initialLastUsedMs,
        sync: request.modelInfo !== undefined && options.sync,
        balanced: options.balanced,
        ...waiting,
      });
      if (copies > 1) {
        // The replaced model served from several copies: the new one gets as many, in the background.
        void matchScale(deps, targetId, copies, { lastUsedMs: plan.initialLastUsedMs }).catch(
          (error: unknown) =>
            ctx.logger.warn(
              { modelId: targetId, reason: String(error) },
              "could not add copies of a vmodel's model",
            ),
        );
      }
    } else {
      status = plan.createdTarget ? NOT_LOADED : await modelStatus(ctx, view, targetId);
    }
    return reportVModel(deps, plan.vmodel, status);
  }
  let vmodel: VModelRecord | undefined = plan.vmodel;
  if (options.sync)
    vmodel = await waitForTransition(tables.vmodelsMirror, request.vModelId, targetId, waiting);
  vmodel ??= plan.vmodel;
  return reportVModel(deps, vmodel, await modelStatus(ctx, view, vmodel.activeModelId));
}
