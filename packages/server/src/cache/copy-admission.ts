import { MeshError } from "@modelmesh/core";

/** The runtime's limit on one copy's concurrent calls and the mesh's bound on calls waiting for it. */
export interface AdmissionLimits {
  /** Calls the copy runs at once (`maxConcurrency` from loadModel; at least 1). */
  readonly permits: number;
  /** Calls admitted at once, running and queued; `Infinity` for no bound. */
  readonly maxInFlight: number;
}

/**
 * `MM_MAX_INFLIGHT_PER_MODEL_COPY` resolved for a copy with `permits`: 0 means the default
 * `max(16, 8 × permits)`, a negative value means unbounded, as in the original.
 */
export function resolveMaxInFlight(setting: number, permits: number): number {
  if (setting < 0) return Number.POSITIVE_INFINITY;
  return setting === 0 ? Math.max(16, 8 * permits) : setting;
}

/** Gives back a permit; idempotent. */
export type ReleasePermit = () => void;

/**
 * Latency-based mode's admission of calls to one model copy: at most `permits` run at once, the
 * rest wait in arrival order, and a call beyond `maxInFlight` admitted calls is refused at once
 * with CAPACITY_EXHAUSTED (RESOURCE_EXHAUSTED) "Model queue overload". A waiting call whose
 * signal aborts leaves the queue.
 */
export class CopyAdmission {
  readonly limits: AdmissionLimits;
  #running = 0;
  readonly #waiting: Array<{ grant: (release: ReleasePermit) => void; reject: (error: unknown) => void }> =
    [];

  constructor(limits: AdmissionLimits) {
    this.limits = limits;
  }

  /** Calls running now. */
  get running(): number {
    return this.#running;
  }

  /** Calls waiting for a permit now. */
  get queued(): number {
    return this.#waiting.length;
  }

  /** Waits for a permit (at once when one is free); rejects when over the bound or aborted. */
  acquire(signal?: AbortSignal): Promise<ReleasePermit> {
    if (this.#running + this.#waiting.length >= this.limits.maxInFlight) {
      return Promise.reject(new MeshError("CAPACITY_EXHAUSTED", "Model queue overload"));
    }
    if (this.#running < this.limits.permits && this.#waiting.length === 0) {
      this.#running++;
      return Promise.resolve(this.#releaser());
    }
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: (release: ReleasePermit) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(release);
        },
        reject,
      };
      const onAbort = () => {
        const index = this.#waiting.indexOf(waiter);
        if (index >= 0) this.#waiting.splice(index, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  #releaser(): ReleasePermit {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next === undefined) this.#running--;
      else next.grant(this.#releaser());
    };
  }
}
