import type { ConnectRouter, HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { MeshError } from "@modelmesh/core";
import { ModelMesh } from "@modelmesh/proto";
import { toConnectError } from "../edge/connect-error.js";
import type { MeshContext } from "../mesh-context.js";
import type { RoutingView } from "../routing/routing-view.js";
import { ensureLoaded, modelStatus } from "../routing/status-route.js";
import { removeLocalCopy } from "../tasks/registry-watch.js";
import { deleteVModel } from "../vmodels/delete-vmodel.js";
import { setVModel } from "../vmodels/set-vmodel.js";
import type { VModelDeps } from "../vmodels/vmodel-deps.js";
import { getVModelStatus } from "../vmodels/vmodel-status.js";
import { registerLegacyAliases } from "./legacy-aliases.js";
import { deleteRegistration, writeRegistration } from "./register-model.js";
import { checkModelId, checkModelInfo } from "./request-limits.js";
import { readSetVModelRequest, requireVModelId } from "./set-vmodel-request.js";
import { describeState, GET_STATE_ID, LOG_STATE_ID } from "./state-dump.js";
import { toStatusInfo, toVModelStatusInfo } from "./status-info.js";
import { storeBudget } from "./store-budget.js";

function requireModelId(modelId: string): void {
  if (modelId === "") throw new MeshError("INVALID_ARGUMENT", "must provide non-empty modelId");
}

function balanced(context: HandlerContext): boolean {
  return context.requestHeader.get("mm-balanced")?.toLowerCase() === "true";
}

function deadlineOf(context: HandlerContext): { deadlineMs?: number } {
  const timeoutMs = context.timeoutMs();
  return timeoutMs === undefined ? {} : { deadlineMs: Date.now() + timeoutMs };
}

/** Runs a handler body, mapping every failure to the client's status (§13.3). */
async function edge<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw toConnectError(error);
  }
}

/** What the service needs. */
export interface ModelMeshServiceOptions {
  readonly ctx: MeshContext;
  readonly view: RoutingView;
  /** False before start and during shutdown. */
  readonly accepting: () => boolean;
  /** The vmodel tables and what the vmodel operations share. */
  readonly vmodels: VModelDeps;
}

/**
 * The `mmesh.ModelMesh` management service (§13.1): registerModel, unregisterModel,
 * getModelStatus, ensureLoaded, and the vmodel RPCs setVModel, deleteVModel, getVModelStatus.
 */
export function createModelMeshService(options: ModelMeshServiceOptions): ServiceImpl<typeof ModelMesh> {
  const { ctx, view } = options;
  const ready = () => {
    if (!options.accepting()) throw new MeshError("STORE_UNAVAILABLE", "ModelMesh instance is not ready");
  };
  const { vmodels } = options;
  return {
    registerModel: (req, context) =>
      edge(async () => {
        ready();
        requireModelId(req.modelId);
        const type = req.modelInfo?.type ?? "";
        if (type === "") throw new MeshError("INVALID_ARGUMENT", "Must provide non-empty model type string");
        checkModelId(req.modelId);
        checkModelInfo(req.modelInfo);
        const path = req.modelInfo?.path || undefined;
        const key = req.modelInfo?.key || undefined;
        const registration = {
          modelId: req.modelId,
          type,
          path,
          key,
          loadNow: req.loadNow,
          lastUsedMs: Number(req.lastUsedTime),
        };
        const result = await writeRegistration(
          ctx,
          registration,
          storeBudget(context, ctx.timings.storeCallTimeoutMs),
        );
        if (req.loadNow) {
          const details = await ensureLoaded(ctx, view, req.modelId, {
            lastUsedMs: result.lastUsedMs,
            sync: req.sync,
            balanced: balanced(context),
            signal: context.signal,
            ...deadlineOf(context),
          });
          return toStatusInfo(details);
        }
        if (result.created) return toStatusInfo({ status: "NOT_LOADED", errors: [], copies: [] });
        return toStatusInfo(await modelStatus(ctx, view, req.modelId));
      }),
    unregisterModel: (req, context) =>
      edge(async () => {
        ready();
        requireModelId(req.modelId);
        // No size check: a record stored before the limits existed can still be removed.
        await deleteRegistration(ctx, req.modelId, storeBudget(context, ctx.timings.storeCallTimeoutMs));
        removeLocalCopy(ctx, req.modelId);
        return {};
      }),
    getModelStatus: (req) =>
      edge(async () => {
        ready();
        requireModelId(req.modelId);
        checkModelId(req.modelId);
        // Two reserved ids ask for a dump of this instance's state (docs/troubleshooting.md).
        if (req.modelId === GET_STATE_ID) {
          return toStatusInfo({ status: "UNKNOWN", errors: describeState(ctx), copies: [] });
        }
        if (req.modelId === LOG_STATE_ID) {
          for (const line of describeState(ctx)) ctx.logger.info({}, line);
        }
        return toStatusInfo(await modelStatus(ctx, view, req.modelId));
      }),
    ensureLoaded: (req, context) =>
      edge(async () => {
        ready();
        requireModelId(req.modelId);
        checkModelId(req.modelId);
        const details = await ensureLoaded(ctx, view, req.modelId, {
          lastUsedMs: Number(req.lastUsedTime),
          sync: req.sync,
          balanced: balanced(context),
          signal: context.signal,
          ...deadlineOf(context),
        });
        return toStatusInfo(details);
      }),
    setVModel: (req, context) =>
      edge(async () => {
        ready();
        const request = readSetVModelRequest(req);
        const details = await setVModel(vmodels, request, {
          sync: req.sync,
          balanced: balanced(context),
          signal: context.signal,
          ...deadlineOf(context),
          call: storeBudget(context, ctx.timings.storeCallTimeoutMs),
        });
        return toVModelStatusInfo(details);
      }),
    deleteVModel: (req, context) =>
      edge(async () => {
        ready();
        requireVModelId(req);
        await deleteVModel(
          vmodels,
          req.vModelId,
          req.owner || undefined,
          storeBudget(context, ctx.timings.storeCallTimeoutMs),
        );
        return {};
      }),
    getVModelStatus: (req) =>
      edge(async () => {
        ready();
        requireVModelId(req);
        return toVModelStatusInfo(await getVModelStatus(vmodels, req.vModelId, req.owner || undefined));
      }),
  };
}

/** Registers the service, and its legacy names (§2.1), on a Connect router. */
export function registerModelMeshService(router: ConnectRouter, options: ModelMeshServiceOptions): void {
  const impl = createModelMeshService(options);
  router.service(ModelMesh, impl);
  registerLegacyAliases(router, impl);
}
