/** One load waiting for (or holding) a loading slot. */
export interface LoadTicket {
  /** Higher runs first; ties run in arrival order. */
  readonly priority: number;
  /** `queued` → `running` → `done`; `cancelled` when dropped before it ran. */
  readonly state: "queued" | "running" | "done" | "cancelled";
}

interface Ticket extends LoadTicket {
  priority: number;
  state: LoadTicket["state"];
  readonly seq: number;
  readonly run: () => Promise<void>;
}

/**
 * The loading queue of §6.3: at most `concurrency` loads run at once (the runtime's
 * `maxLoadingConcurrency`); the others wait in priority order. A request-driven load is queued
 * at `now + 2 h` and so overtakes background loads, which use their last-used time; a waiting
 * request can {@link raise} a queued load. Pure scheduling: no timers, no clock.
 */
export class LoadQueue {
  readonly #concurrency: number;
  #queued: Ticket[] = [];
  #running = 0;
  #seq = 0;

  constructor(concurrency: number) {
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`loading concurrency must be a positive integer, got ${concurrency}`);
    }
    this.#concurrency = concurrency;
  }

  /** Loads waiting for a slot. */
  get queued(): number {
    return this.#queued.length;
  }

  /** Loads holding a slot. */
  get running(): number {
    return this.#running;
  }

  /** Queued plus running (the instance record's `lInProg`). */
  get inProgress(): number {
    return this.#queued.length + this.#running;
  }

  /** Queues `run`; it starts when a slot is free and nothing of higher priority waits. */
  add(priority: number, run: () => Promise<void>): LoadTicket {
    const ticket: Ticket = { priority, state: "queued", seq: this.#seq++, run };
    this.#queued.push(ticket);
    this.#pump();
    return ticket;
  }

  /** Raises a queued load to `priority` (never lowers it). False when it is no longer queued. */
  raise(ticket: LoadTicket, priority: number): boolean {
    const t = ticket as Ticket;
    if (t.state !== "queued") return false;
    if (priority > t.priority) t.priority = priority;
    return true;
  }

  /** Drops a load that has not started. False when it already started (or ended). */
  cancel(ticket: LoadTicket): boolean {
    const t = ticket as Ticket;
    if (t.state !== "queued") return false;
    t.state = "cancelled";
    this.#queued = this.#queued.filter((q) => q !== t);
    return true;
  }

  #pump(): void {
    while (this.#running < this.#concurrency && this.#queued.length > 0) {
      const next = this.#takeHighest();
      next.state = "running";
      this.#running++;
      const finish = () => {
        next.state = "done";
        this.#running--;
        this.#pump();
      };
      // A load reports its own failures; the queue only needs to know it ended.
      next.run().then(finish, finish);
    }
  }

  #takeHighest(): Ticket {
    let best = 0;
    for (let i = 1; i < this.#queued.length; i++) {
      const a = this.#queued[i] as Ticket;
      const b = this.#queued[best] as Ticket;
      if (a.priority > b.priority || (a.priority === b.priority && a.seq < b.seq)) best = i;
    }
    const [ticket] = this.#queued.splice(best, 1);
    return ticket as Ticket;
  }
}
