/**
 * Wakes loads that wait for unload-buffer space (§4.4): {@link notify} is called whenever space
 * may have freed (an unload completed, an entry shrank, failed or left the cache).
 */
export class SpaceSignal {
  #waiters = new Set<() => void>();

  /** Resolves at the next {@link notify}, after `timeoutMs`, or when `signal` aborts. */
  wait(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      signal?.addEventListener("abort", done, { once: true });
      this.#waiters.add(done);
    });
  }

  /** Wakes every waiter. */
  notify(): void {
    if (this.#waiters.size === 0) return;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }
}
