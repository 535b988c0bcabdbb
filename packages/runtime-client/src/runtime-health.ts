import { type Logger, noopLogger } from "@modelmesh/core";

/** Default pause between two checks of a connected runtime: 5 s. */
export const DEFAULT_RUNTIME_HEALTH_CHECK_INTERVAL_MS = 5000;

/** Longest a check may take before it counts as failed (ms); shorter when checks are more frequent. */
const MAX_CHECK_TIMEOUT_MS = 5000;

/** Options of {@link RuntimeHealth}. */
export interface RuntimeHealthOptions {
  /**
   * Resolves once the runtime answered within `timeoutMs`; rejects with the reason otherwise. It
   * must not change the runtime: never `runtimeStatus`, which a runtime answers by forgetting
   * every model it holds (a freshly started mesh expects an empty runtime).
   */
  readonly probe: (timeoutMs: number) => Promise<void>;
  /** Pause between checks, ms. Default {@link DEFAULT_RUNTIME_HEALTH_CHECK_INTERVAL_MS}. */
  readonly intervalMs?: number;
  readonly logger?: Logger;
}

/**
 * Keeps checking that a connected runtime answers, so the instance knows when the runtime is
 * gone (killed, restarting, refusing connections, frozen) and when it is back. One check at a
 * time, the next `intervalMs` after the last one ended; each may take `min(intervalMs, 5 s)`. The
 * runtime starts healthy (the handshake just saw it READY). Changes are logged, not every check.
 */
export class RuntimeHealth {
  readonly #options: RuntimeHealthOptions;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  /** What the last check found wrong; undefined while the runtime answers. */
  #problem: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: RuntimeHealthOptions) {
    this.#options = options;
    this.#logger = options.logger ?? noopLogger;
    this.#intervalMs = options.intervalMs ?? DEFAULT_RUNTIME_HEALTH_CHECK_INTERVAL_MS;
  }

  /** True while the last check got an answer from the runtime. */
  get ready(): boolean {
    return this.#problem === undefined;
  }

  /** Starts checking (the first check one interval from now). */
  start(): void {
    if (!this.#closed && this.#timer === undefined) this.#schedule();
  }

  /** Stops checking. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    this.#timer = setTimeout(() => void this.#check(), this.#intervalMs);
    this.#timer.unref();
  }

  async #check(): Promise<void> {
    const timeoutMs = Math.min(this.#intervalMs, MAX_CHECK_TIMEOUT_MS);
    const problem = await this.#options.probe(timeoutMs).then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    if (this.#closed) return;
    if (problem === undefined && this.#problem !== undefined) {
      this.#logger.info({}, "model runtime answers again; readiness restored");
    } else if (problem !== undefined && this.#problem === undefined) {
      this.#logger.warn(
        { problem },
        "model runtime does not answer; the instance reports not ready until it does",
      );
    }
    this.#problem = problem;
    this.#schedule();
  }
}
