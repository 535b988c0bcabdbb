import type { ModelRecord } from "../records/types.js";
import type { PartitionStats, ScalingOptions } from "./options.js";
import type { ScaleUpDecision } from "./scale-up.js";
import { decideScaleUp, isHeavyRpm, requestsPerMinute } from "./scale-up.js";
import type { SecondCopyWindow, UsageIterations } from "./second-copy.js";
import { observeUse, secondCopyAllowed } from "./second-copy.js";

/**
 * One local entry's turn in the rate-check task (§5.1–5.3): its rate, whether it is heavy, the
 * second-copy rule for single copies, then rate-based scale-up. The server runs it for every
 * entry used since the previous check and carries out the returned action.
 */

/** Inputs of {@link assessRateCheck}. */
export interface RateCheckInput {
  /** The model's registry record; absent when it is not (or no longer) registered. */
  readonly record: ModelRecord | undefined;
  /** This instance. */
  readonly selfInstanceId: string;
  /** Requests to this copy since the previous check. */
  readonly count: number;
  /** Now, epoch ms. */
  readonly nowMs: number;
  /** When the previous check ran (epoch ms); a second copy is loaded with this last-used time. */
  readonly lastCheckMs: number;
  /** This check's iteration number (incremented once per check). */
  readonly iteration: number;
  /** The entry's remembered iterations (see `NO_USAGE_ITERATIONS`). */
  readonly usage: UsageIterations;
  /** The second-copy window, see `secondCopyWindow()`. */
  readonly window: SecondCopyWindow;
  /** Scale-up threshold per copy (rpm). */
  readonly thresholdRpm: number;
  /** Instances the model's type may run on. */
  readonly suitableInstanceCount: number;
  /** Free space and age of those instances. */
  readonly partition: PartitionStats;
  /** Instances too busy for new copies, see `busyInstanceIds()`. */
  readonly busyInstanceIds: ReadonlySet<string>;
  /** Learned "assume loaded after" time of the type (§6.5). */
  readonly assumeLoadedAfterMs: number;
}

/** What to do about one entry. */
export type RateCheckAction =
  | { readonly kind: "none"; readonly reason: RateCheckSkipReason }
  /** ensureLoaded elsewhere (excluding this instance) with last-used = the previous check time. */
  | {
      readonly kind: "second-copy";
      readonly lastUsedMs: number;
      readonly excludeInstanceIds: readonly string[];
    }
  | Extract<ScaleUpDecision, { kind: "scale-up" }>;

/** Why an entry needs nothing. */
export type RateCheckSkipReason =
  | "single-instance-type"
  | "not-registered"
  | "no-copies"
  | "no-candidates"
  | Extract<ScaleUpDecision, { kind: "none" }>["reason"];

/** Result of {@link assessRateCheck}. */
export interface RateCheckResult {
  /** Requests per minute over the interval. */
  readonly rpm: number;
  /** True when the copy was heavy: the server records now as its last heavy time (§5.5). */
  readonly heavy: boolean;
  /** The iterations to remember (changed only for single-copy models). */
  readonly usage: UsageIterations;
  readonly action: RateCheckAction;
}

/** Assesses one entry; see the module comment. */
export function assessRateCheck(input: RateCheckInput, options: ScalingOptions): RateCheckResult {
  const elapsedMs = input.nowMs - input.lastCheckMs;
  const rpm = requestsPerMinute(input.count, elapsedMs);
  // The original skips a type limited to one instance before it even measures the rate.
  const heavy = input.suitableInstanceCount >= 2 && isHeavyRpm(rpm, input.thresholdRpm);
  const result = (action: RateCheckAction, usage = input.usage): RateCheckResult => ({
    rpm,
    heavy,
    usage,
    action,
  });
  const none = (reason: RateCheckSkipReason, usage = input.usage) => result({ kind: "none", reason }, usage);
  if (input.suitableInstanceCount < 2) return none("single-instance-type");
  const { record } = input;
  if (record === undefined) return none("not-registered");
  const copies = Object.keys(record.instanceIds).length;
  if (copies === 0) return none("no-copies");
  if (input.suitableInstanceCount - copies - Object.keys(record.failedIn).length <= 0)
    return none("no-candidates");
  let usage = input.usage;
  if (copies === 1) {
    const observed = observeUse(usage, input.iteration, input.window);
    usage = observed.usage;
    if (observed.inWindow && secondCopyAllowed(input.partition, input.nowMs, options)) {
      const excludeInstanceIds = [input.selfInstanceId];
      return result({ kind: "second-copy", lastUsedMs: input.lastCheckMs, excludeInstanceIds }, usage);
    }
  }
  const decision = decideScaleUp({ ...input, record, rpm, elapsedMs }, options);
  return decision.kind === "none" ? none(decision.reason, usage) : result(decision, usage);
}
