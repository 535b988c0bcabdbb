/** Options for {@link ReadinessMonitor}. */
export interface ReadinessMonitorOptions {
  /** The readiness answer (the same check as the `/ready` probe); cheap, called on every poll. */
  readonly isReady: () => boolean;
  /** How often readiness is re-read while someone watches, ms. Default 500. */
  readonly pollIntervalMs?: number;
}

/** Default for {@link ReadinessMonitorOptions.pollIntervalMs}. */
export const DEFAULT_READINESS_POLL_MS = 500;

/**
 * Turns a readiness check (a function with no change events: it combines the mesh, the runtime
 * and the store) into a stream of changes for health `Watch` calls. It polls only while at least
 * one watch is open; {@link refresh} re-reads at once (the gateway calls it when it begins to
 * stop, so watchers see NOT_SERVING without waiting for the next poll). After {@link close}
 * every watch ends, having first seen the final state.
 */
export class ReadinessMonitor {
  readonly #isReady: () => boolean;
  readonly #pollIntervalMs: number;
  // Called with the new value on a change, with `undefined` to wake a watch that should end.
  readonly #listeners = new Set<(ready: boolean | undefined) => void>();
  #last: boolean | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: ReadinessMonitorOptions) {
    this.#isReady = options.isReady;
    this.#pollIntervalMs = options.pollIntervalMs ?? DEFAULT_READINESS_POLL_MS;
  }

  /** Reads readiness now and tells every watch if it changed since the last read. */
  refresh(): boolean {
    const ready = this.#isReady();
    if (ready !== this.#last) {
      this.#last = ready;
      for (const listener of this.#listeners) listener(ready);
    }
    return ready;
  }

  /** Ends every watch (after one last {@link refresh}); later watches end after their first value. */
  close(): void {
    if (this.#closed) return;
    this.refresh();
    this.#closed = true;
    for (const listener of this.#listeners) listener(undefined);
    this.#stopTimer();
  }

  /**
   * The current readiness, then each change, until `signal` aborts or the monitor is closed.
   * Values are never coalesced: a watcher sees every flip in order.
   */
  async *watch(signal: AbortSignal): AsyncGenerator<boolean> {
    const pending: boolean[] = [this.refresh()];
    let wake: (() => void) | undefined;
    const listener = (ready: boolean | undefined) => {
      if (ready !== undefined) pending.push(ready);
      wake?.();
    };
    const onAbort = () => wake?.();
    this.#listeners.add(listener);
    signal.addEventListener("abort", onAbort);
    this.#startTimer();
    try {
      for (;;) {
        for (let next = pending.shift(); next !== undefined; next = pending.shift()) yield next;
        if (signal.aborted || this.#closed) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      this.#listeners.delete(listener);
      signal.removeEventListener("abort", onAbort);
      if (this.#listeners.size === 0) this.#stopTimer();
    }
  }

  #startTimer(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setInterval(() => this.refresh(), this.#pollIntervalMs);
    this.#timer.unref();
  }

  #stopTimer(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
