import { type Logger, MeshError, type ModelStatus } from "@modelmesh/core";

/**
 * One model to register while the instance starts (`MM_AUTO_REGISTER_MODELS` and its file
 * variant), with the same fields as the original's JSON entries.
 */
export interface StaticModel {
  /** The model to register (or the target of `vModelId`). */
  readonly modelId: string;
  /** What the runtime loads: a non-empty `type`, an optional `path` and `key`. */
  readonly modelInfo: { readonly type: string; readonly path?: string; readonly key?: string };
  /** Makes `modelId` the target of this vmodel (created or updated) instead of a plain registration. */
  readonly vModelId?: string;
  /**
   * Keep `modelId` after the vmodel moves on to another target (the vmodel's "auto-delete target"
   * is the opposite). Only with `vModelId`. Default false.
   */
  readonly retainAfterTransition?: boolean;
  /** Load the model now and wait, before the instance turns ready, until it is loaded. Default false. */
  readonly ensureLoaded?: boolean;
}

/** The status of a model after a synchronous ensureLoaded. */
export interface StaticLoadOutcome {
  readonly status: ModelStatus;
  /** Failure messages, most recent first. */
  readonly errors: readonly string[];
}

/** What {@link runStaticRegistration} does its work with (injected, so it runs without I/O in tests). */
export interface StaticRegistrationDeps {
  /** registerModel: `loadNow` = `ensureLoaded`, not sync. */
  register(model: StaticModel): Promise<void>;
  /** setVModel: target `modelId`, `autoDeleteTargetModel` = !`retainAfterTransition`, `loadNow` = `ensureLoaded`. */
  setVModel(model: StaticModel): Promise<void>;
  /** A synchronous ensureLoaded that leaves the model's recency as it is. */
  ensureLoaded(modelId: string): Promise<StaticLoadOutcome>;
  readonly logger: Logger;
}

/** Refuses entries no registration could carry out: the caller's bug, not a runtime failure. */
function check(models: readonly StaticModel[]): void {
  for (const model of models) {
    if (model.modelId === "") throw new MeshError("INVALID_ARGUMENT", "static model without modelId");
    if (model.modelInfo.type === "") {
      throw new MeshError("INVALID_ARGUMENT", `static model "${model.modelId}" has an empty modelInfo.type`);
    }
    if (model.vModelId === undefined && model.retainAfterTransition === true) {
      throw new MeshError(
        "INVALID_ARGUMENT",
        `static model "${model.modelId}": retainAfterTransition applies only with a vModelId`,
      );
    }
  }
}

/** Registers one entry; a failure is rethrown with its code, naming the entry. */
async function registerOne(model: StaticModel, deps: StaticRegistrationDeps): Promise<void> {
  try {
    if (model.vModelId === undefined) await deps.register(model);
    else await deps.setVModel(model);
  } catch (error) {
    const cause = MeshError.from(error);
    const what =
      model.vModelId === undefined
        ? `model "${model.modelId}"`
        : `vmodel "${model.vModelId}" (target model "${model.modelId}")`;
    throw new MeshError(cause.code, `static registration: registering ${what} failed: ${cause.message}`, {
      ...cause.details,
      cause,
    });
  }
}

/** The ids to wait for, each once, in the order given. */
function toWaitFor(models: readonly StaticModel[]): string[] {
  return [...new Set(models.filter((m) => m.ensureLoaded === true).map((m) => m.modelId))];
}

/**
 * Registers the static models one after the other (a plain registration, or a vmodel pointing at
 * the model), then waits for every `ensureLoaded` model to be loaded. The loads run in parallel;
 * the waits as well. Rejects with a `LOAD_FAILED` error naming each model that ended
 * LOADING_FAILED (the original aborts its start-up then), and with the first failed
 * registration's error (its code kept, the entry named in the message).
 */
export async function runStaticRegistration(
  models: readonly StaticModel[],
  deps: StaticRegistrationDeps,
): Promise<void> {
  if (models.length === 0) return;
  check(models);
  const { logger } = deps;
  logger.info({ count: models.length }, "static registration: registering models");
  for (const model of models) await registerOne(model, deps);
  const waitFor = toWaitFor(models);
  if (waitFor.length === 0) return;
  logger.info({ modelIds: waitFor }, "static registration: waiting for models to load");
  const outcomes = await Promise.all(
    waitFor.map(async (modelId) => ({ modelId, ...(await deps.ensureLoaded(modelId)) })),
  );
  const failed = outcomes.filter((o) => o.status === "LOADING_FAILED");
  for (const o of outcomes) {
    if (o.status !== "LOADED" && o.status !== "LOADING_FAILED") {
      logger.warn({ modelId: o.modelId, status: o.status }, "static registration: model not loaded");
    }
  }
  if (failed.length > 0) {
    const reasons = failed.map(
      (o) => `model "${o.modelId}" failed to load: ${o.errors[0] ?? "no reason given"}`,
    );
    throw new MeshError("LOAD_FAILED", `static registration: ${reasons.join("; ")}`);
  }
  logger.info({ modelIds: waitFor }, "static registration: models loaded");
}
