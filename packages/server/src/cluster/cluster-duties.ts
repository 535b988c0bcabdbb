import {
  type InstanceRecord,
  type MeshSession,
  type MeshStore,
  resolveScalingOptions,
  type ScalingOptions,
} from "@modelmesh/core";
import type { EvictedCopy, MeshContext } from "../mesh-context.js";
import type { RoutingView } from "../routing/routing-view.js";
import { liveInstances } from "./cluster-state.js";
import { type CopyRequester, createLocalCopyRequester } from "./copy-requester.js";
import { Leadership } from "./leadership.js";
import type { ModelRates } from "./model-rates.js";
import { PeriodicTask } from "./periodic-task.js";
import { loadProactively } from "./proactive-loader.js";
import { EARLY_MIN_ELAPSED_MS, RateCheck } from "./rate-check-task.js";

/** How often the early scale-up looks for bursts between rate checks, ms. */
const EARLY_TICK_MS = 500;

import { Reaper } from "./reaper.js";
import { rebalanceEvicted } from "./rebalance.js";
import { scaleDownLocalCopies } from "./scale-down-step.js";
import { ScaleUpThreshold } from "./scale-up-threshold.js";
import type { TypeConstraints } from "./type-constraints.js";

/** What {@link ClusterDuties} is built from. */
export interface ClusterDutiesOptions {
  readonly ctx: MeshContext;
  readonly store: MeshStore;
  readonly view: RoutingView;
  readonly constraints: TypeConstraints;
  /** This instance's record as it is now. */
  readonly freshSelf: () => InstanceRecord;
  /** `MM_SCALEUP_RPM_THRESHOLD`; the store's `config/scaleup_rpm_threshold` overrides it. */
  readonly scaleUpRpmThreshold?: number;
  /** Carries out wanted copies; default: {@link createLocalCopyRequester}. */
  readonly copyRequester?: CopyRequester;
  /** Further leader work (vmodel transitions): on gaining and losing leadership and on every pass. */
  readonly leaderHooks?: LeaderHooks;
}

/** Leader work run alongside the cluster duties' own. */
export interface LeaderHooks {
  gained(): void;
  lost(): void;
  pass(): void;
}

/**
 * The cluster duties of one instance (design §4 "Background"): per-model rate tracking with the
 * second-copy and scale-up rules (every instance), scale-down as a janitor step (every
 * instance), rebalancing reloads after evictions, and, while this instance leads the store's election, the reaper and proactive
 * loading. Type constraints follow the instance table.
 */
export class ClusterDuties {
  /** Per-model request counters (the context's, which the inference path records into). */
  readonly rates: ModelRates;
  readonly threshold: ScaleUpThreshold;
  readonly leadership: Leadership;
  readonly reaper: Reaper;
  readonly rateCheck: RateCheck;
  readonly #options: ClusterDutiesOptions;
  readonly #scaling: ScalingOptions;
  readonly #copies: CopyRequester;
  readonly #rateTask: PeriodicTask;
  readonly #earlyTask: PeriodicTask;
  #unsubscribe: (() => void) | undefined;
  readonly #onEvicted: (copy: EvictedCopy) => void;

  constructor(options: ClusterDutiesOptions) {
    const { ctx } = options;
    this.#options = options;
    this.rates = ctx.modelRates;
    this.#scaling = resolveScalingOptions({
      rateCheckPeriodMs: ctx.timings.rateCheckIntervalMs,
      secondCopyMinAgeMs: ctx.timings.minSecondCopyAgeMs,
      secondCopyMaxAgeMs: ctx.timings.maxSecondCopyAgeMs,
      loadFailureExpiryMs: ctx.timings.loadFailureExpiryMs,
    });
    this.threshold = new ScaleUpThreshold(options.scaleUpRpmThreshold, ctx.logger);
    this.#copies =
      options.copyRequester ??
      createLocalCopyRequester({
        ctx,
        view: options.view,
        constraints: options.constraints,
        freshSelf: options.freshSelf,
      });
    this.rateCheck = new RateCheck({
      ctx,
      rates: this.rates,
      threshold: this.threshold,
      constraints: options.constraints,
      copies: this.#copies,
      scaling: this.#scaling,
      freshSelf: options.freshSelf,
    });
    this.#rateTask = new PeriodicTask(
      "rate check",
      async () => {
        await this.rateCheck.runOnce();
      },
      ctx.logger,
    );
    this.#onEvicted = (copy) => {
      rebalanceEvicted({ ctx, constraints: options.constraints, copies: this.#copies }, copy);
    };
    this.#earlyTask = new PeriodicTask(
      "early scale-up",
      async () => {
        await this.rateCheck.runEarly();
      },
      ctx.logger,
    );
    this.reaper = new Reaper(ctx);
    this.leadership = new Leadership(ctx, {
      run: () => this.#leaderPass(),
      lost: () => {
        this.reaper.reset();
        options.leaderHooks?.lost();
      },
      gained: () => options.leaderHooks?.gained(),
    });
  }

  /** Starts following the config table and the instance table, the rate check, and the election. */
  async start(session: MeshSession): Promise<void> {
    const { ctx, store, constraints } = this.#options;
    const refresh = () => constraints.setInstances(liveInstances(ctx));
    this.#unsubscribe = ctx.instancesMirror.subscribe(refresh);
    refresh();
    ctx.evictionListeners.add(this.#onEvicted);
    await this.threshold.follow(store.config());
    this.#rateTask.start(ctx.timings.rateCheckFirstRunMs, ctx.timings.rateCheckIntervalMs);
    // Looks for bursts between checks; pointless when checks are this frequent anyway.
    if (ctx.timings.rateCheckIntervalMs > 2 * EARLY_MIN_ELAPSED_MS) {
      this.#earlyTask.start(EARLY_MIN_ELAPSED_MS, EARLY_TICK_MS);
    }
    this.leadership.join(store, session);
  }

  /** The janitor's scale-down step (§4.8 step 3). */
  async scaleDown(): Promise<string[]> {
    const { ctx, constraints, freshSelf } = this.#options;
    return scaleDownLocalCopies({
      ctx,
      rates: this.rates,
      threshold: this.threshold,
      constraints,
      scaling: this.#scaling,
      freshSelf,
    });
  }

  /** Stops the tasks and leaves the election (releasing leadership). */
  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#options.ctx.evictionListeners.delete(this.#onEvicted);
    await this.#rateTask.stop();
    await this.#earlyTask.stop();
    await this.leadership.resign();
    this.threshold.close();
  }

  async #leaderPass(): Promise<void> {
    const { ctx, constraints, freshSelf } = this.#options;
    if (ctx.lifecycle.shuttingDown) return;
    await this.reaper.runOnce();
    if (!this.leadership.isLeader) return;
    this.#options.leaderHooks?.pass();
    await loadProactively({ ctx, constraints, copies: this.#copies, scaling: this.#scaling, freshSelf });
  }
}
