/** Options for {@link UnloadRetryQueue}; defaults are the original's (§6.7). */
export interface UnloadRetryOptions {
  /** Retries of one failed unload before it counts as failed for good. Default 90 (≈ 15 min). */
  readonly maxRetries?: number;
  /** Period of the background retry task, ms. Default 10 000. */
  readonly intervalMs?: number;
  /** After a successful unload every queued retry is tried, at most this often, ms. Default 10 000. */
  readonly flushMinIntervalMs?: number;
}

interface QueuedRetry {
  readonly run: () => Promise<boolean>;
  readonly resolve: (value: boolean) => void;
  readonly reject: (reason: unknown) => void;
}

/**
 * Failed unloads waiting to be tried again (§6.7). A periodic task tries one per period while any
 * are queued; the owner also tries one before each new load ({@link processOne}) and all of them
 * after a successful unload ({@link flush}, rate-limited). The promise returned by
 * {@link enqueue} settles with the retry's own outcome.
 */
export class UnloadRetryQueue {
  readonly maxRetries: number;
  readonly #intervalMs: number;
  readonly #flushMinIntervalMs: number;
  readonly #queue: QueuedRetry[] = [];
  #timer: NodeJS.Timeout | undefined;
  #lastFlushMs = Number.NEGATIVE_INFINITY;
  #closed = false;

  constructor(options: UnloadRetryOptions = {}) {
    this.maxRetries = options.maxRetries ?? 90;
    this.#intervalMs = options.intervalMs ?? 10_000;
    this.#flushMinIntervalMs = options.flushMinIntervalMs ?? 10_000;
  }

  /** Retries waiting. */
  get size(): number {
    return this.#queue.length;
  }

  /** True once {@link close} was called: failures are final from then on. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Queues `run` for a later attempt; resolves or rejects with that attempt's outcome. */
  enqueue(run: () => Promise<boolean>): Promise<boolean> {
    if (this.#closed) return Promise.reject(new Error("shutting down"));
    return new Promise<boolean>((resolve, reject) => {
      this.#queue.push({ run, resolve, reject });
      if (this.#timer === undefined) {
        this.#timer = setInterval(() => {
          if (!this.processOne()) this.#stopTimer();
        }, this.#intervalMs);
        // Background work only: it must not keep a process alive on its own.
        this.#timer.unref();
      }
    });
  }

  /** Starts one queued retry, if any; returns whether there was one. */
  processOne(): boolean {
    const next = this.#queue.shift();
    if (next === undefined) return false;
    next.run().then(next.resolve, next.reject);
    return true;
  }

  /** Starts every queued retry, at most once per `flushMinIntervalMs`. */
  flush(): void {
    const now = performance.now();
    if (now - this.#lastFlushMs < this.#flushMinIntervalMs) return;
    this.#lastFlushMs = now;
    for (let n = this.#queue.length; n > 0 && this.processOne(); n--);
  }

  /** Fails every queued retry ("shutting down") and stops the task. */
  close(): void {
    this.#closed = true;
    this.#stopTimer();
    for (const retry of this.#queue.splice(0)) retry.reject(new Error("shutting down"));
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
