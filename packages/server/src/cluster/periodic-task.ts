import type { Logger } from "@modelmesh/core";

/**
 * A fixed-delay background task: first run after `firstRunMs`, then `intervalMs` after each run
 * ends. Runs never overlap; a failed run is logged. Timers are unref'd so they never keep the
 * process alive.
 */
export class PeriodicTask {
  readonly #name: string;
  readonly #run: () => Promise<void>;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;

  constructor(name: string, run: () => Promise<void>, logger: Logger) {
    this.#name = name;
    this.#run = run;
    this.#logger = logger;
  }

  /** Starts the schedule (no-op when already started). */
  start(firstRunMs: number, intervalMs: number): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const schedule = (ms: number) => {
      this.#timer = setTimeout(() => {
        void this.runOnce().finally(() => {
          if (!this.#stopped) schedule(intervalMs);
        });
      }, ms);
      this.#timer.unref();
    };
    schedule(firstRunMs);
  }

  /** One run now (joins a run in progress). */
  runOnce(): Promise<void> {
    this.#running ??= this.#run()
      .catch((error: unknown) => {
        this.#logger.warn({ task: this.#name, reason: String(error) }, "background task failed");
      })
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  /** Stops the schedule and waits for a run in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
