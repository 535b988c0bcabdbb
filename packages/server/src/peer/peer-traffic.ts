/**
 * Per-destination request statistics of this instance's calls to peers, as the copy picker needs
 * them (behaviour §2.4: fewest in-flight calls, ties to the least recently used destination).
 * Counts live here rather than on the connection so they survive reconnections.
 */
export class PeerTraffic {
  readonly #inFlight = new Map<string, number>();
  readonly #lastUsedMs = new Map<string, number>();
  readonly #now: () => number;

  /** `now`: the clock for completion times, epoch ms. Default `Date.now`. */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Calls to `instanceId` started and not yet finished. */
  inFlight(instanceId: string): number {
    return this.#inFlight.get(instanceId) ?? 0;
  }

  /** When a call to `instanceId` last finished (epoch ms); 0 when none has. */
  lastUsedMs(instanceId: string): number {
    return this.#lastUsedMs.get(instanceId) ?? 0;
  }

  /** Counts a call as started; the returned function finishes it (only its first call counts). */
  begin(instanceId: string): () => void {
    this.#inFlight.set(instanceId, this.inFlight(instanceId) + 1);
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      const left = this.inFlight(instanceId) - 1;
      if (left > 0) this.#inFlight.set(instanceId, left);
      else this.#inFlight.delete(instanceId);
      this.#lastUsedMs.set(instanceId, this.#now());
    };
  }

  /** Drops the statistics of instances that left the cluster. */
  forget(instanceId: string): void {
    this.#inFlight.delete(instanceId);
    this.#lastUsedMs.delete(instanceId);
  }
}
