import type { InstanceRecord, ModelRecord } from "../records/types.js";
import type { ScalingOptions } from "./options.js";

/**
 * Rate tracking and rate-based scale-up beyond two copies (§5.1, §5.3), in request-count mode.
 */

/** Requests per minute from a count over `elapsedMs` (integer, as the original). */
export function requestsPerMinute(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? Math.floor((count * 60_000) / elapsedMs) : 0;
}

/** A copy is "heavy" (which delays scale-down) above ¾ of the scale-up threshold. */
export function isHeavyRpm(rpm: number, thresholdRpm: number): boolean {
  return rpm > Math.floor((thresholdRpm * 3) / 4);
}

/** The rate check skips a run that comes less than 60 % of a period after the previous one (§5.1). */
export function isRateCheckDue(elapsedMs: number, options: ScalingOptions): boolean {
  return elapsedMs * 5 >= options.rateCheckPeriodMs * 3;
}

/** Inputs of {@link busyInstanceIds}. */
export interface BusyInstancesInput {
  /** Live instance records by id. */
  readonly instances: ReadonlyMap<string, InstanceRecord>;
  /** This instance (never busy for itself). */
  readonly selfInstanceId: string;
  /** Scale-up threshold per copy (rpm). */
  readonly thresholdRpm: number;
  /** This instance's own busyness (its published `rpm`). */
  readonly ownRpm: number;
}

/**
 * Instances too busy to receive scale-up copies (§5.3): `rpm > max(4 × threshold, own − 2 × threshold)`,
 * so an instance far above the threshold still sheds load to ones less busy than itself.
 */
export function busyInstanceIds(input: BusyInstancesInput): ReadonlySet<string> {
  const maxRpm = Math.max(4 * input.thresholdRpm, input.ownRpm - 2 * input.thresholdRpm);
  const busy = new Set<string>();
  for (const [id, record] of input.instances) {
    if (id !== input.selfInstanceId && !record.shutdown && record.rpm > maxRpm) busy.add(id);
  }
  return busy;
}

/** Inputs of {@link decideScaleUp}. */
export interface ScaleUpInput {
  /** The model's registry record. */
  readonly record: ModelRecord;
  /** This instance, which holds a copy. */
  readonly selfInstanceId: string;
  /** This copy's rpm over the last interval. */
  readonly rpm: number;
  /** Scale-up threshold per copy. */
  readonly thresholdRpm: number;
  /** Instances the model's type may run on (the whole cluster when unconstrained). */
  readonly suitableInstanceCount: number;
  /** See {@link busyInstanceIds}. */
  readonly busyInstanceIds: ReadonlySet<string>;
  /** Now, epoch ms. */
  readonly nowMs: number;
  /** Time since the previous rate check. */
  readonly elapsedMs: number;
  /** Learned "assume loaded after" time of the type (§6.5). */
  readonly assumeLoadedAfterMs: number;
}

/** What the rate-based scale-up decided. */
export type ScaleUpDecision =
  | { readonly kind: "none"; readonly reason: "below-threshold" | "recent-load" | "no-candidates" }
  | {
      readonly kind: "scale-up";
      /** Copies to add in total (≥ 1). */
      readonly copies: number;
      /** `tas.chain_load_count` of the first ensureLoaded: each target starts the next, §5.3. */
      readonly chainCount: number;
      /** Last-used time of the new copies: in the future, for the strictest busy filter (§3.4). */
      readonly lastUsedMs: number;
      /** Instances the ensureLoaded excludes: the busy ones and the current holders. */
      readonly excludeInstanceIds: readonly string[];
    };

/**
 * Rate-based scale-up (§5.3), with the fix of §15.4 item 4: busy instances that hold no copy
 * and no failure are subtracted from the candidates once (the original subtracted them twice),
 * and the "at most a third of the instances" cap never goes below 2 copies.
 */
export function decideScaleUp(input: ScaleUpInput, options: ScalingOptions): ScaleUpDecision {
  const { record } = input;
  if (input.rpm < input.thresholdRpm) return { kind: "none", reason: "below-threshold" };
  // A copy that started recently does not show in the measured rate yet (unless it is ours).
  const recentLoadCutoffMs =
    input.nowMs - (input.elapsedMs + options.rateCheckPeriodMs + 2 * input.assumeLoadedAfterMs);
  if (loadedSince(record, recentLoadCutoffMs, input.selfInstanceId))
    return { kind: "none", reason: "recent-load" };
  let candidates = input.suitableInstanceCount - countKeys(record.instanceIds) - countKeys(record.failedIn);
  for (const id of input.busyInstanceIds) {
    if (!Object.hasOwn(record.instanceIds, id) && !Object.hasOwn(record.failedIn, id)) candidates--;
  }
  if (candidates <= 0) return { kind: "none", reason: "no-candidates" };
  let copies = Math.min(Math.floor(input.rpm / input.thresholdRpm), candidates);
  if (copies > 2) copies = Math.min(copies, Math.max(2, Math.floor(input.suitableInstanceCount / 3)));
  const exclude = new Set(input.busyInstanceIds);
  for (const id of Object.keys(record.instanceIds)) exclude.add(id);
  return {
    kind: "scale-up",
    copies,
    chainCount: copies - 1,
    lastUsedMs: input.nowMs + options.scaleUpLastUsedAheadMs,
    excludeInstanceIds: [...exclude],
  };
}

/** True when a copy other than `ignoreInstanceId`'s started loading after `cutoffMs`. */
export function loadedSince(record: ModelRecord, cutoffMs: number, ignoreInstanceId?: string): boolean {
  for (const id in record.instanceIds) {
    if (id !== ignoreInstanceId && (record.instanceIds[id] ?? 0) > cutoffMs) return true;
  }
  return false;
}

function countKeys(map: Readonly<Record<string, number>>): number {
  return Object.keys(map).length;
}
