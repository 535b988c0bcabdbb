import {
  copyCount,
  inTransition,
  type ModelRecord,
  planPromotion,
  planTargetFailed,
  type VModelChangePlan,
  type VModelRecord,
} from "@modelmesh/core";
import { ensureLoaded } from "../routing/status-route.js";
import { commitVModel, modelValues, readModels, readRecord } from "./records.js";
import { matchScale } from "./scale-match.js";
import type { VModelDeps } from "./vmodel-deps.js";

/** Longest a transition waits for its target's first copy (the original's bound). */
const TARGET_LOAD_WAIT_MS = 600_000;
/** Gap before a stuck transition is tried again after its target's record changed. */
const STUCK_RETRY_GAP_MS = 1000;
const HOUR_MS = 3_600_000;
const MAX_ATTEMPTS = 20;

interface Pending {
  readonly from: string;
  readonly to: string;
  readonly abort: AbortController;
}

/**
 * The leader's side of vmodel transitions (design `docs/design/vmodels.md`, "Transitions"): for
 * every vmodel whose target differs from its active model, load the target (to as many copies as
 * the active model has), then make it active in one transaction that also drops the old model's
 * reference. Meanwhile calls keep going to the active model. A target that cannot be loaded
 * marks the vmodel TRANSITION_FAILED and is tried again when its record changes (a failure
 * expired, a copy appeared). Runs on vmodel changes, on gaining leadership and on every leader pass.
 */
export class VModelTransitions {
  readonly #deps: VModelDeps;
  readonly #isLeader: () => boolean;
  readonly #pending = new Map<string, Pending>();
  /** Target model id → vmodels whose transition waits for a change of that model. */
  readonly #stuck = new Map<string, Set<string>>();
  readonly #retryTimers = new Map<string, ReturnType<typeof setTimeout>>();
  #unsubscribe: (() => void)[] = [];
  #closed = false;

  constructor(deps: VModelDeps, isLeader: () => boolean) {
    this.#deps = deps;
    this.#isLeader = isLeader;
  }

  /** Follows the vmodel and registry mirrors. */
  start(): void {
    const { ctx, tables } = this.#deps;
    // Read-only mode carries out no transitions (the store is being migrated).
    if (ctx.readOnly) return;
    this.#unsubscribe.push(
      tables.vmodelsMirror.subscribe((event) => {
        if (event.type === "added" || event.type === "updated") this.process(event.id);
      }),
      ctx.registryMirror.subscribe((event) => {
        if (event.type === "added" || event.type === "updated" || event.type === "deleted")
          this.#modelChanged(event.id);
      }),
    );
  }

  /** Looks at every vmodel (leadership gained, leader pass). */
  processAll(): void {
    if (!this.#isLeader() || this.#deps.ctx.readOnly) return;
    this.#stuck.clear();
    for (const [id] of this.#deps.tables.vmodelsMirror.entries()) this.process(id);
  }

  /** Starts (or restarts, when its models changed) the transition of one vmodel, when leading. */
  process(vModelId: string): void {
    if (this.#closed || !this.#isLeader() || this.#deps.ctx.lifecycle.shuttingDown) return;
    const vmodel = this.#deps.tables.vmodelsMirror.get(vModelId)?.value;
    if (vmodel === undefined || !inTransition(vmodel)) return;
    const pending = this.#pending.get(vModelId);
    if (pending !== undefined) {
      if (pending.from === vmodel.activeModelId && pending.to === vmodel.targetModelId) return;
      pending.abort.abort();
    }
    const next: Pending = {
      from: vmodel.activeModelId,
      to: vmodel.targetModelId,
      abort: new AbortController(),
    };
    this.#pending.set(vModelId, next);
    void this.#run(vModelId, next)
      .catch((error: unknown) => {
        this.#deps.ctx.logger.warn({ vModelId, reason: String(error) }, "vmodel transition step failed");
        this.#markStuck(next.to, vModelId);
      })
      .finally(() => {
        if (this.#pending.get(vModelId) === next) this.#pending.delete(vModelId);
      });
  }

  /** Stops every transition in progress (leadership lost, shutdown). */
  reset(): void {
    for (const pending of this.#pending.values()) pending.abort.abort();
    this.#pending.clear();
    this.#stuck.clear();
    for (const timer of this.#retryTimers.values()) clearTimeout(timer);
    this.#retryTimers.clear();
  }

  /** Stops following the mirrors and every transition. */
  close(): void {
    this.#closed = true;
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [];
    this.reset();
  }

  #modelChanged(modelId: string): void {
    const waiting = this.#stuck.get(modelId);
    if (waiting === undefined) return;
    this.#stuck.delete(modelId);
    for (const vModelId of waiting) {
      if (this.#retryTimers.has(vModelId)) continue;
      const timer = setTimeout(() => {
        this.#retryTimers.delete(vModelId);
        this.process(vModelId);
      }, STUCK_RETRY_GAP_MS);
      timer.unref?.();
      this.#retryTimers.set(vModelId, timer);
    }
  }

  #markStuck(targetModelId: string, vModelId: string): void {
    const set = this.#stuck.get(targetModelId) ?? new Set<string>();
    set.add(vModelId);
    this.#stuck.set(targetModelId, set);
  }

  async #run(vModelId: string, pending: Pending): Promise<void> {
    const { ctx } = this.#deps;
    const signal = pending.abort.signal;
    const active = ctx.registryMirror.get(pending.from)?.value;
    const activeCopies = copyCount(active);
    if (activeCopies > 0) {
      const lastUsedMs =
        active !== undefined && active.lastUsedMs > 0 ? active.lastUsedMs : ctx.clock.nowMs() - HOUR_MS;
      const deadlineMs = Date.now() + TARGET_LOAD_WAIT_MS;
      const first = await ensureLoaded(ctx, this.#deps.view, pending.to, {
        lastUsedMs,
        sync: true,
        balanced: false,
        signal,
        deadlineMs,
      });
      if (signal.aborted) return;
      if (first.status === "LOADING" || first.status === "LOADING_FAILED") {
        ctx.logger.warn(
          { vModelId, modelId: pending.to, errors: first.errors },
          "vmodel target failed to load",
        );
        await this.#commit(vModelId, pending, (vmodel) =>
          vmodel.targetFailed ? undefined : planTargetFailed(vmodel, true),
        );
        this.#markStuck(pending.to, vModelId);
        return;
      }
      if (first.status === "NOT_LOADED") {
        this.#markStuck(pending.to, vModelId);
        return;
      }
      if (first.status !== "LOADED") return;
      // Scale matching: the target takes over with as many copies as the active model serves from.
      await matchScale(this.#deps, pending.to, activeCopies, { lastUsedMs, signal, deadlineMs });
      if (signal.aborted) return;
    }
    const promoted = await this.#commit(vModelId, pending, planPromotion);
    if (promoted) {
      ctx.metrics.vmodelTransition(vModelId);
      ctx.logger.info(
        { vModelId, modelId: pending.to, replaced: pending.from },
        "vmodel transition complete",
      );
    }
  }

  /**
   * Commits a change of the vmodel while it is still in the transition `pending` describes.
   * `decide` gets the current vmodel and model records (read again after a conflict).
   * Returns true when a change was written.
   */
  async #commit(
    vModelId: string,
    pending: Pending,
    decide: (
      vmodel: VModelRecord,
      models: ReadonlyMap<string, ModelRecord | undefined>,
    ) => VModelChangePlan | undefined,
  ): Promise<boolean> {
    const { ctx, tables } = this.#deps;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (pending.abort.signal.aborted || !this.#isLeader()) return false;
      const strong = attempt > 0;
      const current = await readRecord(tables.vmodelsMirror, tables.vmodels, vModelId, strong, {});
      const vmodel = current?.value;
      if (
        vmodel === undefined ||
        vmodel.activeModelId !== pending.from ||
        vmodel.targetModelId !== pending.to
      ) {
        return false;
      }
      const models = await readModels(ctx, [pending.from, pending.to], strong, {});
      const plan = decide(vmodel, modelValues(models));
      if (plan === undefined || plan.vmodel === null) return false;
      const ok = await commitVModel(
        ctx,
        tables,
        { vModelId, current, next: plan.vmodel, models, modelChanges: plan.modelChanges },
        {},
      );
      if (ok) return true;
    }
    return false;
  }
}
