import { NO_USAGE_ITERATIONS, type UsageIterations } from "@modelmesh/core";

/** What the rate tracker remembers about one local copy between checks (§5.1, §5.2). */
export interface ModelRateState {
  /** Requests since the previous rate check. */
  count: number;
  /** Requests per minute measured by the last check. */
  lastRpm: number;
  /** Last time the copy was heavy (rpm above ¾ of the threshold); 0 = never. */
  lastHeavyMs: number;
  /** The second-copy rule's remembered iterations. */
  usage: UsageIterations;
  /** Rate-check iteration in which an early scale-up was already requested (0 = none). */
  earlyScaleUpIteration: number;
}

/**
 * Per-model request counters of this instance, fed by the inference path and drained by the
 * rate-check task every `rateCheckIntervalMs` (§5.1). Counting is one map lookup per request.
 */
export class ModelRates {
  readonly #states = new Map<string, ModelRateState>();

  /** Counts one request to the local copy of `modelId`. */
  record(modelId: string): void {
    const state = this.#states.get(modelId);
    if (state === undefined) this.#states.set(modelId, { ...fresh(), count: 1 });
    else state.count++;
  }

  /** The remembered state of `modelId` (created empty when absent). */
  state(modelId: string): ModelRateState {
    let state = this.#states.get(modelId);
    if (state === undefined) {
      state = fresh();
      this.#states.set(modelId, state);
    }
    return state;
  }

  /** The remembered state of `modelId`, if any. */
  peek(modelId: string): ModelRateState | undefined {
    return this.#states.get(modelId);
  }

  /** Models with requests since the last check. */
  used(): string[] {
    return [...this.#states].filter(([, s]) => s.count > 0).map(([id]) => id);
  }

  /** Forgets models `keep` rejects (copies that left the cache). */
  prune(keep: (modelId: string) => boolean): void {
    for (const id of this.#states.keys()) if (!keep(id)) this.#states.delete(id);
  }
}

function fresh(): ModelRateState {
  return { count: 0, lastRpm: 0, lastHeavyMs: 0, usage: NO_USAGE_ITERATIONS, earlyScaleUpIteration: 0 };
}
