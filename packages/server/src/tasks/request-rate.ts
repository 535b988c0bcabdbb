import type { Clock } from "@modelmesh/core";

const SLOT_MS = 60_000;
/** Minutes kept: the original sampled every minute over a window of about 6–7 minutes (§1.4 `rpm`). */
const SLOTS = 7;

/**
 * Requests per minute through this instance (the instance record's `rpm`, §1.4): counts in
 * one-minute slots over the last seven minutes, averaged over the minutes the window covers.
 * Time comes from the clock; no timers.
 */
export class RequestRate {
  readonly #clock: Clock;
  readonly #counts = new Array<number>(SLOTS).fill(0);
  readonly #startMs: number;
  #slot: number;

  constructor(clock: Clock) {
    this.#clock = clock;
    this.#startMs = clock.nowMs();
    this.#slot = Math.floor(this.#startMs / SLOT_MS);
  }

  /** Counts `weight` requests now. */
  record(weight = 1): void {
    this.#advance();
    this.#counts[this.#slot % SLOTS] = (this.#counts[this.#slot % SLOTS] ?? 0) + weight;
  }

  /** Requests per minute over the window (whole number). */
  rpm(): number {
    this.#advance();
    const now = this.#clock.nowMs();
    const windowMs = Math.min(now - this.#startMs, (SLOTS - 1) * SLOT_MS + (now % SLOT_MS));
    const total = this.#counts.reduce((sum, count) => sum + count, 0);
    return Math.round((total * SLOT_MS) / Math.max(SLOT_MS, windowMs));
  }

  /** Clears the slots of minutes that passed without requests. */
  #advance(): void {
    const current = Math.floor(this.#clock.nowMs() / SLOT_MS);
    for (let s = this.#slot + 1; s <= current && s <= this.#slot + SLOTS; s++) this.#counts[s % SLOTS] = 0;
    if (current > this.#slot) this.#slot = current;
  }
}
