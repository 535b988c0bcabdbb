/** Keep-alives remembered while unanswered; beyond that, further ones are not counted (see below). */
const MAX_UNANSWERED = 32;

/**
 * Until when a session lease surely still lives, as far as this process can know.
 *
 * etcd renews a lease for its TTL when a keep-alive *reaches* it, so a keep-alive sent at `t`
 * keeps the lease until at least `t + TTL`. Counting from the send time, rather than from when
 * the answer arrived (later), errs early: the session gives the lease up no later than etcd
 * expires it, so no other candidate can lead while this one still believes it does. Answers come
 * back in the order the keep-alives went out on a stream, so each answer belongs to the oldest
 * unanswered send. When too many are unanswered, new sends are not recorded; a later answer is
 * then matched to an older send, which again errs early.
 */
export class LeaseExpiry {
  readonly #unanswered: number[] = [];
  #aliveUntilMs: number;

  /** `sentMs`: when the grant (or the last renewal known) was sent; `ttlMs`: the lease TTL. */
  constructor(sentMs: number, ttlMs: number) {
    this.#aliveUntilMs = sentMs + ttlMs;
  }

  /** The lease surely lives until this time (epoch ms). */
  get aliveUntilMs(): number {
    return this.#aliveUntilMs;
  }

  /** A keep-alive was written at `nowMs`. */
  sent(nowMs: number): void {
    if (this.#unanswered.length < MAX_UNANSWERED) this.#unanswered.push(nowMs);
  }

  /** The oldest unanswered keep-alive was answered: etcd renewed the lease for `ttlSeconds`. */
  answered(ttlSeconds: number): void {
    const sentMs = this.#unanswered.shift();
    if (sentMs === undefined) return;
    this.#aliveUntilMs = Math.max(this.#aliveUntilMs, sentMs + ttlSeconds * 1000);
  }

  /** The stream was replaced: keep-alives written on the old one will not be answered. */
  streamReplaced(): void {
    this.#unanswered.length = 0;
  }
}
