import {
  assessRateCheck,
  busyInstanceIds,
  type InstanceRecord,
  isRateCheckDue,
  type RateCheckResult,
  type ScalingOptions,
  type SecondCopyWindow,
  secondCopyWindow,
} from "@modelmesh/core";
import type { MeshContext } from "../mesh-context.js";
import { liveInstances, partitionStats, suitableInstances } from "./cluster-state.js";
import type { CopyRequester } from "./copy-requester.js";
import type { ModelRates } from "./model-rates.js";
import type { ScaleUpThreshold } from "./scale-up-threshold.js";
import type { TypeConstraints } from "./type-constraints.js";

/** Least time since the last check before an early scale-up may judge a rate, ms. */
export const EARLY_MIN_ELAPSED_MS = 1000;

/** The live instances of a check and the busy ones among them. */
interface ClusterView {
  readonly live: ReadonlyMap<string, InstanceRecord>;
  readonly busy: ReadonlySet<string>;
  readonly window: SecondCopyWindow;
}

/** What the rate check needs besides the context. */
export interface RateCheckParts {
  readonly ctx: MeshContext;
  readonly rates: ModelRates;
  readonly threshold: ScaleUpThreshold;
  readonly constraints: TypeConstraints;
  readonly copies: CopyRequester;
  readonly scaling: ScalingOptions;
  readonly freshSelf: () => InstanceRecord;
}

/**
 * The rate-check task of every instance (§5.1–5.3): for each local copy used since the previous
 * check, measures its requests per minute, remembers heavy use (for scale-down), applies the
 * second-copy rule and rate-based scale-up, and hands wanted copies to the {@link CopyRequester}.
 */
export class RateCheck {
  readonly #parts: RateCheckParts;
  #lastCheckMs: number;
  #iteration = 0;

  constructor(parts: RateCheckParts) {
    this.#parts = parts;
    this.#lastCheckMs = parts.ctx.clock.nowMs();
  }

  /** One check; returns the assessments made (for logs and tests). */
  async runOnce(): Promise<ReadonlyMap<string, RateCheckResult>> {
    const { ctx, rates, scaling } = this.#parts;
    const nowMs = ctx.clock.nowMs();
    const results = new Map<string, RateCheckResult>();
    if (ctx.lifecycle.shuttingDown || !isRateCheckDue(nowMs - this.#lastCheckMs, scaling)) return results;
    const lastCheckMs = this.#lastCheckMs;
    this.#lastCheckMs = nowMs;
    this.#iteration++;
    rates.prune((id) => ctx.cache.peek(id) !== undefined);
    const cluster = this.#cluster();
    this.#parts.constraints.setInstances(cluster.live);
    for (const modelId of rates.used()) {
      const state = rates.state(modelId);
      const count = state.count;
      state.count = 0;
      const result = this.#assess(modelId, cluster, {
        count,
        nowMs,
        lastCheckMs,
        iteration: this.#iteration,
      });
      state.usage = result.usage;
      state.lastRpm = result.rpm;
      if (result.heavy) state.lastHeavyMs = nowMs;
      results.set(modelId, result);
      await this.#act(modelId, result);
    }
    return results;
  }

  /**
   * Early scale-up (ours, beyond §5.3): between two checks, a copy whose rate since the last
   * check already passes the threshold gets its scale-up at once instead of at the next check
   * (up to `rateCheckIntervalMs` later), once per check interval. Only a `scale-up` action is
   * taken here; counts, heavy times and second-copy bookkeeping stay with the regular check,
   * whose duplicate protection (a copy started loading recently) then skips the model.
   */
  async runEarly(): Promise<number> {
    const { ctx, rates } = this.#parts;
    const nowMs = ctx.clock.nowMs();
    const elapsedMs = nowMs - this.#lastCheckMs;
    if (ctx.lifecycle.shuttingDown || elapsedMs < EARLY_MIN_ELAPSED_MS) return 0;
    const minCount = (this.#parts.threshold.rpm * elapsedMs) / 60_000;
    const iteration = this.#iteration + 1;
    const hot = rates.used().filter((id) => {
      const state = rates.state(id);
      return state.count >= minCount && state.earlyScaleUpIteration !== iteration;
    });
    if (hot.length === 0) return 0;
    const cluster = this.#cluster();
    let requested = 0;
    for (const modelId of hot) {
      const state = rates.state(modelId);
      const at = { count: state.count, nowMs, lastCheckMs: this.#lastCheckMs, iteration };
      const result = this.#assess(modelId, cluster, at);
      if (result.action.kind !== "scale-up") continue;
      state.earlyScaleUpIteration = iteration;
      requested++;
      await this.#act(modelId, result);
    }
    return requested;
  }

  /** The live instances, the busy ones among them and the second-copy window, as a check sees them now. */
  #cluster(): ClusterView {
    const { ctx } = this.#parts;
    const live = liveInstances(ctx, this.#parts.freshSelf());
    const busy = busyInstanceIds({
      instances: live,
      selfInstanceId: ctx.selfId,
      thresholdRpm: this.#parts.threshold.rpm,
      ownRpm: ctx.requests.rpm(),
    });
    return { live, busy, window: secondCopyWindow(this.#parts.scaling) };
  }

  /** Assesses one local copy (§5.1–5.3) with the given count over the given interval. */
  #assess(
    modelId: string,
    cluster: ClusterView,
    at: { count: number; nowMs: number; lastCheckMs: number; iteration: number },
  ): RateCheckResult {
    const { ctx, rates, scaling } = this.#parts;
    const record = ctx.registryMirror.get(modelId)?.value;
    const type = record?.type ?? ctx.cache.peek(modelId)?.data.modelType ?? "";
    const suitable = suitableInstances(cluster.live, this.#parts.constraints, type);
    return assessRateCheck(
      {
        record,
        selfInstanceId: ctx.selfId,
        ...at,
        usage: rates.state(modelId).usage,
        window: cluster.window,
        thresholdRpm: this.#parts.threshold.rpm,
        suitableInstanceCount: suitable.length,
        partition: partitionStats(suitable, ctx.minSpaceUnits),
        busyInstanceIds: cluster.busy,
        assumeLoadedAfterMs: ctx.loadTimes.assumeLoadedAfterMs(type),
      },
      scaling,
    );
  }

  async #act(modelId: string, result: RateCheckResult): Promise<void> {
    const { ctx, copies } = this.#parts;
    const action = result.action;
    if (action.kind === "none") return;
    ctx.logger.info({ modelId, rpm: result.rpm, action: action.kind }, "rate check wants another copy");
    const request =
      action.kind === "second-copy"
        ? {
            modelId,
            reason: "second-copy" as const,
            lastUsedMs: action.lastUsedMs,
            excludeInstanceIds: action.excludeInstanceIds,
            chainCount: 0,
          }
        : {
            modelId,
            reason: "scale-up" as const,
            lastUsedMs: action.lastUsedMs,
            excludeInstanceIds: action.excludeInstanceIds,
            chainCount: action.chainCount,
          };
    await copies.requestCopy(request).catch((error: unknown) => {
      ctx.logger.warn({ modelId, reason: String(error) }, "could not request another copy");
    });
  }
}
