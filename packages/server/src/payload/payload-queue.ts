import type { Logger } from "@modelmesh/core";
import type { CompressedData } from "./compressed-data.js";
import type { Payload } from "./payload.js";

/** A payload waiting for the processors, with its compressed data still to inflate. */
export interface QueuedPayload {
  readonly payload: Payload;
  readonly compressed?: CompressedData;
}

/** Options of {@link PayloadQueue}. */
export interface PayloadQueueOptions {
  /** Payloads waiting at most (`MM_PAYLOAD_PROCESSORS_CAPACITY`, default 64); more are dropped. */
  readonly capacity: number;
  /** Payloads handled at the same time (`MM_PAYLOAD_PROCESSORS_THREADS`, default 2). */
  readonly workers: number;
  /** Handles one payload; a rejection is logged and the worker goes on. */
  readonly handle: (queued: QueuedPayload) => Promise<void>;
  readonly logger: Logger;
  /** Drops are reported in one warn line at most this often, ms. Default 60 000. */
  readonly dropLogIntervalMs?: number;
  /** Milliseconds clock for the drop reports. Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * A bounded queue between inference calls and payload processors. `offer` never waits and never
 * throws: when `capacity` payloads are already waiting the payload is dropped and counted. The
 * first drop is reported at once, later ones in one warn line per interval (and at close). Up to
 * `workers` payloads are processed at once.
 */
export class PayloadQueue {
  readonly #options: PayloadQueueOptions;
  readonly #waiting: QueuedPayload[] = [];
  #head = 0;
  #busy = 0;
  #dropped = 0;
  #droppedSinceLog = 0;
  #closed = false;
  #lastReportMs = Number.NEGATIVE_INFINITY;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #timer: NodeJS.Timeout;
  #idle: (() => void) | undefined;

  constructor(options: PayloadQueueOptions) {
    this.#options = options;
    this.#intervalMs = options.dropLogIntervalMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    this.#timer = setInterval(() => this.#reportDrops(), this.#intervalMs);
    this.#timer.unref();
  }

  /** Payloads dropped because the queue was full, since start (a monotonic counter for metrics). */
  get dropped(): number {
    return this.#dropped;
  }

  /** Payloads waiting plus those being processed. */
  get pending(): number {
    return this.#waiting.length - this.#head + this.#busy;
  }

  /** Queues `payload`, or drops it when the queue is full or closed. Returns whether it was queued. */
  offer(payload: QueuedPayload): boolean {
    if (this.#closed || this.#waiting.length - this.#head >= this.#options.capacity) {
      this.#dropped++;
      this.#droppedSinceLog++;
      if (this.#now() - this.#lastReportMs >= this.#intervalMs) this.#reportDrops();
      return false;
    }
    this.#waiting.push(payload);
    if (this.#busy < this.#options.workers) void this.#work();
    return true;
  }

  /** Stops taking payloads, waits (at most `timeoutMs`) for the queued ones, reports the drops. */
  async close(timeoutMs: number): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    if (this.pending > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => {
          this.#idle = resolve;
        }),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
    }
    this.#reportDrops();
  }

  #take(): QueuedPayload | undefined {
    if (this.#head >= this.#waiting.length) return undefined;
    const payload = this.#waiting[this.#head];
    this.#head++;
    // Compact now and then instead of shifting on every take.
    if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
      this.#waiting.splice(0, this.#head);
      this.#head = 0;
    }
    return payload;
  }

  async #work(): Promise<void> {
    this.#busy++;
    try {
      for (let queued = this.#take(); queued !== undefined; queued = this.#take()) {
        try {
          await this.#options.handle(queued);
        } catch (error) {
          this.#options.logger.warn(
            { payloadId: queued.payload.id, reason: error instanceof Error ? error.message : String(error) },
            "payload processing failed",
          );
        }
      }
    } finally {
      this.#busy--;
      if (this.pending === 0) this.#idle?.();
    }
  }

  #reportDrops(): void {
    if (this.#droppedSinceLog === 0) return;
    this.#lastReportMs = this.#now();
    this.#options.logger.warn(
      { dropped: this.#droppedSinceLog, droppedTotal: this.#dropped, capacity: this.#options.capacity },
      `${this.#droppedSinceLog} payloads were dropped because the payload queue (capacity ${this.#options.capacity}) was full`,
    );
    this.#droppedSinceLog = 0;
  }
}
