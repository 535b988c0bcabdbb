import type { Clock, InstanceRecord, MeshSession, MirrorEvent } from "@modelmesh/core";

/**
 * How long after this instance's own session lease is back a peer whose record vanished during
 * the outage still counts: 10 s. A live peer re-creates its lease about when this one does (it
 * retries at least every second), so it has published again well before.
 */
export const VANISHED_PEER_GRACE_MS = 10_000;

/**
 * Peers whose instance records vanished during a store outage, kept as if still present.
 *
 * When etcd is frozen or gone longer than the session TTL, every lease expires together: the
 * records of live, serving peers disappear with this instance's own, and come back when each
 * re-creates its lease. Treating such a peer as gone meanwhile makes routing load its models
 * here, as duplicates. So a record deleted while this instance's own lease is lost, or within
 * {@link VANISHED_PEER_GRACE_MS} after it was re-created, is kept (with its last content) until
 * the peer publishes again or that grace ends. A peer that dies while this instance's lease is
 * healthy is dropped at once, as before; a peer that died during the outage is dropped when the
 * grace ends (calls forwarded to it meanwhile fail over as for any unreachable peer).
 */
export class VanishedPeers {
  readonly #clock: Clock;
  readonly #selfId: string;
  readonly #graceMs: number;
  readonly #records = new Map<string, InstanceRecord>();
  #sessionLost = false;
  #recreatedAtMs = Number.NEGATIVE_INFINITY;
  #version = 0;

  constructor(options: { readonly clock: Clock; readonly selfId: string; readonly graceMs?: number }) {
    this.#clock = options.clock;
    this.#selfId = options.selfId;
    this.#graceMs = options.graceMs ?? VANISHED_PEER_GRACE_MS;
  }

  /** Follows this instance's session: its loss and re-creation open the window. Returns an unsubscribe. */
  follow(session: Pick<MeshSession, "onLost" | "onRecreated">): () => void {
    const offLost = session.onLost(() => {
      this.#sessionLost = true;
    });
    const offRecreated = session.onRecreated(() => {
      this.#sessionLost = false;
      this.#recreatedAtMs = this.#clock.nowMs();
    });
    return () => {
      offLost();
      offRecreated();
    };
  }

  /** Takes in one change of the instance table. */
  observe(event: MirrorEvent<InstanceRecord>): void {
    if (event.id === this.#selfId) return;
    if (event.type === "deleted") {
      if (!this.#inOutage() || event.previous.value.shutdown) return;
      this.#records.set(event.id, event.previous.value);
      this.#version++;
    } else if (this.#records.delete(event.id)) {
      this.#version++;
    }
  }

  /** The vanished peers still counted now, with their last records. */
  current(): ReadonlyMap<string, InstanceRecord> {
    if (this.#records.size > 0 && !this.#inOutage()) {
      this.#records.clear();
      this.#version++;
    }
    return this.#records;
  }

  /** Changes whenever {@link current} does (a cache of derived state compares it). */
  version(): number {
    this.current();
    return this.#version;
  }

  #inOutage(): boolean {
    return this.#sessionLost || this.#clock.nowMs() < this.#recreatedAtMs + this.#graceMs;
  }
}
