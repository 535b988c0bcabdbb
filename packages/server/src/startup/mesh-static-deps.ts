import type { MeshContext } from "../mesh-context.js";
import type { RoutingView } from "../routing/routing-view.js";
import { ensureLoaded } from "../routing/status-route.js";
import { writeRegistration } from "../service/register-model.js";
import { checkModelId, checkModelInfo } from "../service/request-limits.js";
import type { StaticModel, StaticRegistrationDeps } from "./static-models.js";

/** A year, ms: the recency the start-up waits give, older than any real use. */
const YEAR_MS = 365 * 24 * 3_600_000;

/**
 * The static registration's dependencies on a real mesh: registration and loads as the management
 * service does them, unbalanced (this instance is not favoured for placement), each store update
 * within the configured store budget. `setVModel` comes from the caller.
 */
export function meshStaticDeps(
  ctx: MeshContext,
  view: RoutingView,
  vmodels: Pick<StaticRegistrationDeps, "setVModel">,
): StaticRegistrationDeps {
  const register = async (model: StaticModel) => {
    checkModelId(model.modelId);
    checkModelInfo(model.modelInfo);
    const loadNow = model.ensureLoaded === true;
    const result = await writeRegistration(
      ctx,
      {
        modelId: model.modelId,
        type: model.modelInfo.type,
        path: model.modelInfo.path || undefined,
        key: model.modelInfo.key || undefined,
        loadNow,
        lastUsedMs: 0,
      },
      { timeoutMs: ctx.timings.storeCallTimeoutMs },
    );
    if (loadNow) {
      // Started now and waited for later, like registerModel with loadNow and without sync.
      await ensureLoaded(ctx, view, model.modelId, {
        lastUsedMs: result.lastUsedMs,
        sync: false,
        balanced: false,
      });
    }
  };
  return {
    register,
    setVModel: vmodels.setVModel,
    // A last-used time a year back leaves the model's recency as it is: touches only move it forward.
    ensureLoaded: (modelId) =>
      ensureLoaded(ctx, view, modelId, {
        lastUsedMs: ctx.clock.nowMs() - YEAR_MS,
        sync: true,
        balanced: false,
      }),
    logger: ctx.logger.child({ component: "static-registration" }),
  };
}
