import { type Logger, noopLogger } from "@modelmesh/core";
import { type RuntimeStatusResponse, RuntimeStatusResponse_Status } from "@modelmesh/proto";
import { statusOfCallError } from "./management-client.js";
import { describeStatus } from "./runtime-errors.js";

/** Default pause between two status checks of a connected runtime: 5 s. */
export const DEFAULT_RUNTIME_STATUS_CHECK_INTERVAL_MS = 5000;

/** Longest a status check may take before it counts as failed (ms); shorter when checks are more frequent. */
const MAX_CHECK_TIMEOUT_MS = 5000;

/** Options of {@link RuntimeHealth}. */
export interface RuntimeHealthOptions {
  /** Asks the runtime for its status, with a deadline in ms (`runtimeStatus`). */
  readonly status: (timeoutMs: number) => Promise<RuntimeStatusResponse>;
  /** Pause between checks, ms. Default {@link DEFAULT_RUNTIME_STATUS_CHECK_INTERVAL_MS}. */
  readonly intervalMs?: number;
  readonly logger?: Logger;
}

/**
 * Keeps asking a connected runtime for its status, so the instance knows when the runtime is
 * gone — killed, restarting, refusing connections, not answering in time, or answering anything
 * but READY — and when it is back. One check at a time, the next `intervalMs` after the last one
 * ended; each may take `min(intervalMs, 5 s)`. The runtime starts READY (the handshake just said
 * so). Changes are logged (a new problem, or READY again), not every check.
 */
export class RuntimeHealth {
  readonly #options: RuntimeHealthOptions;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  /** What the last check found wrong; undefined while READY (and before the first check). */
  #problem: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: RuntimeHealthOptions) {
    this.#options = options;
    this.#logger = options.logger ?? noopLogger;
    this.#intervalMs = options.intervalMs ?? DEFAULT_RUNTIME_STATUS_CHECK_INTERVAL_MS;
  }

  /** True while the last check found the runtime READY. */
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
    const problem = await this.#options.status(timeoutMs).then(
      (answer) =>
        answer.status === RuntimeStatusResponse_Status.READY
          ? undefined
          : `status ${RuntimeStatusResponse_Status[answer.status] ?? answer.status}`,
      (error: unknown) => describeStatus(statusOfCallError(error)),
    );
    if (this.#closed) return;
    if (problem === undefined && this.#problem !== undefined) {
      this.#logger.info({}, "model runtime is READY again; readiness restored");
    } else if (problem !== undefined && problem !== this.#problem) {
      this.#logger.warn(
        { problem },
        "model runtime is not READY; the instance reports not ready until it is",
      );
    }
    this.#problem = problem;
    this.#schedule();
  }
}
