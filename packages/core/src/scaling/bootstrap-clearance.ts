import type { ModelRecord } from "../records/types.js";

/** Age after which another instance's failure record makes a startup failure not count (§9.6). */
const OLD_FAILURE_MS = 30 * 60 * 1000;
/** Fatal startup failures tolerated; one more aborts. */
const MAX_FATAL = 2;
/** Outcomes (successes, loads in progress, failures) after which the failure ratio is judged. */
const MIN_OUTCOMES = 20;

/**
 * How a load failure during the startup window counts (§9.6): `fatal` when the model had been
 * loaded on another instance for longer than the load timeout (so the model is fine and this
 * instance is not), `general` when no other instance's failure record for it is 30 min old or
 * more, else `ignored` (the model has failed elsewhere for long: not this instance's fault).
 */
export type StartupFailureKind = "fatal" | "general" | "ignored";

/** Classifies one load failure of `record` on `selfId` (the record as it was before this failure). */
export function classifyStartupFailure(args: {
  readonly record: ModelRecord | undefined;
  readonly selfId: string;
  readonly nowMs: number;
  readonly loadTimeoutMs: number;
}): StartupFailureKind {
  const { record, selfId, nowMs } = args;
  if (record === undefined) return "general";
  for (const [id, loadStartMs] of Object.entries(record.instanceIds)) {
    if (id !== selfId && loadStartMs > 0 && nowMs - loadStartMs > args.loadTimeoutMs) return "fatal";
  }
  for (const [id, failedAtMs] of Object.entries(record.failedIn)) {
    if (id !== selfId && nowMs - failedAtMs >= OLD_FAILURE_MS) return "ignored";
  }
  return "general";
}

/** Options of {@link BootstrapClearance}. */
export interface BootstrapClearanceOptions {
  /** `MM_FAILFAST_UPGRADE_ENABLED`: false never aborts. */
  readonly enabled: boolean;
  /** `BOOTSTRAP_CLEARANCE_PERIOD_MS`: only outcomes this soon after start count. */
  readonly periodMs: number;
  /** Start time of the instance, epoch ms. */
  readonly startMs: number;
}

/**
 * Startup fail-fast (§9.6, "bootstrap clearance"): during the first `periodMs` after start it
 * counts successful loads and classified failures, and decides to abort when more than two
 * failures are fatal, or when over 20 outcomes more than half are (general) failures. An aborted
 * instance never becomes ready, so a rolling update with a broken new version stalls while the
 * old instances keep serving. Pure: the caller passes the time.
 */
export class BootstrapClearance {
  readonly #options: BootstrapClearanceOptions;
  #successes = 0;
  #failures = 0;
  #fatal = 0;
  #abortReason: string | undefined;

  constructor(options: BootstrapClearanceOptions) {
    this.#options = options;
  }

  /** Why startup was aborted, once it has been. */
  get abortReason(): string | undefined {
    return this.#abortReason;
  }

  #counting(nowMs: number): boolean {
    const o = this.#options;
    return o.enabled && this.#abortReason === undefined && nowMs - o.startMs < o.periodMs;
  }

  /** A load succeeded at `nowMs`. */
  recordSuccess(nowMs: number): void {
    if (this.#counting(nowMs)) this.#successes++;
  }

  /**
   * A load failed at `nowMs`; `loadsInProgress` counts towards the outcomes. Returns the abort
   * reason when this failure made startup abort.
   */
  recordFailure(kind: StartupFailureKind, nowMs: number, loadsInProgress: number): string | undefined {
    if (!this.#counting(nowMs) || kind === "ignored") return undefined;
    if (kind === "fatal") {
      this.#fatal++;
      if (this.#fatal > MAX_FATAL) {
        this.#abortReason = `${this.#fatal} models failed to load here that load fine elsewhere`;
      }
      return this.#abortReason;
    }
    this.#failures++;
    const outcomes = this.#successes + loadsInProgress + this.#failures;
    if (outcomes > MIN_OUTCOMES && this.#failures * 2 > outcomes) {
      this.#abortReason = `${this.#failures} of ${outcomes} loads since start failed`;
    }
    return this.#abortReason;
  }
}
