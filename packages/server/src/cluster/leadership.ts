import type { LeaderElection, LeadershipChange, MeshSession, MeshStore } from "@modelmesh/core";
import type { MeshContext } from "../mesh-context.js";
import { PeriodicTask } from "./periodic-task.js";

/** Longest wait for the candidate key's deletion at shutdown. */
const RESIGN_TIMEOUT_MS = 5000;

/** What the leader does while it leads. */
export interface LeaderDuties {
  /** One pass of the leader's duties (reaper, proactive loading). */
  run(): Promise<void>;
  /** Called when leadership is lost (clear per-leader state). */
  lost(): void;
  /** Called as soon as this instance becomes the leader, before the first pass. */
  gained?(): void;
}

/**
 * Membership of this instance in the store's leader election (§1.7, §9.2), with candidate id
 * `_<instanceId>` as the original. While leading, the duties run on a fixed delay (first after
 * `reaperFirstRunMs`, then every `reaperIntervalMs`); leadership changes are logged. Resigning
 * (at shutdown) deletes the candidate key so another instance takes over at once.
 */
export class Leadership {
  readonly #ctx: MeshContext;
  readonly #duties: LeaderDuties;
  readonly #task: PeriodicTask;
  #election: LeaderElection | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(ctx: MeshContext, duties: LeaderDuties) {
    this.#ctx = ctx;
    this.#duties = duties;
    this.#task = new PeriodicTask("leader duties", () => duties.run(), ctx.logger);
  }

  /** True while this instance leads. */
  get isLeader(): boolean {
    return this.#election?.isLeader() ?? false;
  }

  /** The current leader's instance id, when known. */
  get leaderId(): string | undefined {
    const id = this.#election?.leaderId();
    return id?.startsWith("_") ? id.slice(1) : id;
  }

  /** Joins the election with a key bound to `session`. */
  join(store: MeshStore, session: MeshSession): LeaderElection {
    const election = store.joinElection({ session, candidateId: `_${this.#ctx.selfId}` });
    this.#election = election;
    this.#unsubscribe = election.onChange((change) => this.#onChange(change));
    return election;
  }

  /** One pass of the duties now, when leading (tests, diagnostics). */
  async runDutiesOnce(): Promise<void> {
    if (this.isLeader) await this.#task.runOnce();
  }

  /** Leaves the election and stops the duties. */
  async resign(): Promise<void> {
    this.#unsubscribe?.();
    await this.#task.stop();
    // Bounded: during a store outage the key goes with the session lease anyway.
    await this.#election?.resign({ timeoutMs: RESIGN_TIMEOUT_MS }).catch((error: unknown) => {
      this.#ctx.logger.warn({ reason: String(error) }, "could not leave the leader election cleanly");
    });
    if (this.#election !== undefined) this.#ctx.logger.info({}, "left the leader election");
    this.#election = undefined;
  }

  #onChange(change: LeadershipChange): void {
    const timings = this.#ctx.timings;
    this.#ctx.logger.info(
      { leaderId: change.leaderId, isLeader: change.isLeader },
      change.isLeader ? "this instance is now the leader" : "leadership changed",
    );
    if (change.isLeader) {
      this.#duties.gained?.();
      this.#task.start(timings.reaperFirstRunMs, timings.reaperIntervalMs);
    } else {
      void this.#task.stop();
      this.#duties.lost();
    }
  }
}
