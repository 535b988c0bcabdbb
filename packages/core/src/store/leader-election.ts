import { MeshError } from "../errors.js";
import type { Logger } from "../ports/logger.js";
import type { StoreCallOptions } from "./call-options.js";
import { createListenerSet } from "./listeners.js";
import type { MeshSession } from "./mesh-session.js";
import type { KvTable } from "./table.js";
import type { TableMirror } from "./table-mirror.js";

/** Who leads now, seen from one candidate. */
export interface LeadershipChange {
  /** The leader's candidate id; undefined when there is no candidate. */
  readonly leaderId: string | undefined;
  /** True when this candidate leads. */
  readonly isLeader: boolean;
}

/**
 * Membership in the leader election of §1.7: every candidate holds a session key
 * `leaderLatch/<candidateId>` whose value is its id; the leader is the candidate whose key has the
 * lowest create revision. A candidate whose session lease is lost stops leading at once (it cannot
 * know whether its key still exists) and rejoins, at the back, when the session is re-created.
 */
export interface LeaderElection {
  readonly candidateId: string;
  /** Resolves once this candidate's key is written and the candidate list is loaded. */
  readonly ready: Promise<void>;
  /** True when this candidate leads. */
  isLeader(): boolean;
  /** The current leader's candidate id (diagnostics; §1.7). */
  leaderId(): string | undefined;
  /** Called whenever the leader or this candidate's leadership changes. */
  onChange(listener: (change: LeadershipChange) => void): () => void;
  /** Leaves the election: deletes the candidate key and stops watching. Idempotent. */
  resign(options?: StoreCallOptions): Promise<void>;
}

/** Options of {@link joinLeaderElection}. */
export interface JoinLeaderElectionOptions {
  /** The `leaderLatch` table (string values). */
  readonly table: KvTable<string>;
  /** The session the candidate key is bound to. */
  readonly session: MeshSession;
  /** This candidate's id; the original uses `"_" + instanceId`. No line breaks. */
  readonly candidateId: string;
  readonly logger: Logger;
}

/** Joins the election. @internal (use `MeshStore.joinElection()`) */
export function joinLeaderElection(options: JoinLeaderElectionOptions): LeaderElection {
  return new Election(options);
}

class Election implements LeaderElection {
  readonly candidateId: string;
  readonly ready: Promise<void>;
  readonly #options: JoinLeaderElectionOptions;
  readonly #mirror: TableMirror<string>;
  readonly #listeners = createListenerSet<LeadershipChange>();
  readonly #unsubscribe: (() => void)[];
  #current: LeadershipChange = { leaderId: undefined, isLeader: false };
  #sessionLost = false;
  #resigned = false;
  /**
   * Revision of this candidate's latest write of its key. Until the mirror shows the key at (or
   * after) it, the mirror may still hold the key as it was before a lost lease — with its old,
   * low create revision — and would make this candidate lead next to the real leader.
   */
  #ownRevision = 0;

  constructor(options: JoinLeaderElectionOptions) {
    if (options.candidateId === "" || /[\r\n]/.test(options.candidateId)) {
      throw new RangeError(
        `a candidate id must be non-empty without line breaks: ${JSON.stringify(options.candidateId)}`,
      );
    }
    this.candidateId = options.candidateId;
    this.#options = options;
    this.#mirror = options.table.mirror();
    this.#unsubscribe = [
      this.#mirror.subscribe(() => this.#recompute()),
      options.session.onLost(() => {
        this.#sessionLost = true;
        this.#recompute();
      }),
      options.session.onRecreated((info) => {
        this.#sessionLost = false;
        this.#ownRevision = info.revisions.get(options.table.keyOf(this.candidateId)) ?? this.#ownRevision;
        this.#recompute();
      }),
    ];
    this.ready = this.#register();
    this.ready.catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      options.logger.warn({ candidateId: this.candidateId, reason }, "could not join the leader election");
    });
  }

  isLeader(): boolean {
    return this.#current.isLeader;
  }

  leaderId(): string | undefined {
    return this.#current.leaderId;
  }

  onChange(listener: (change: LeadershipChange) => void): () => void {
    return this.#listeners.add(listener);
  }

  async resign(options?: StoreCallOptions): Promise<void> {
    if (this.#resigned) return;
    this.#resigned = true;
    await this.ready.catch(() => undefined);
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#recompute();
    const { table, session } = this.#options;
    // Through the session, so it also forgets the key (it is not put again after a lost lease).
    let current = this.#mirror.get(this.candidateId);
    for (let attempt = 0; current !== undefined && attempt < 10; attempt++) {
      const outcome = await session.deleteIfRevision(
        table,
        { id: this.candidateId, expectedRevision: current.revision },
        options,
      );
      current = outcome.ok ? undefined : outcome.current;
    }
    this.#mirror.close();
  }

  async #register(): Promise<void> {
    const { table, session } = this.#options;
    await this.#mirror.ready;
    // Put our key, taking over one left by an earlier incarnation of this candidate (its create
    // revision, hence its place in the queue, is kept, as etcd-java's PersistentLeaseKey does).
    let expectedRevision = this.#mirror.get(this.candidateId)?.revision ?? 0;
    for (let attempt = 1; !this.#resigned; attempt++) {
      const put = { id: this.candidateId, value: this.candidateId, expectedRevision };
      const outcome = await session.putIfRevision(table, put);
      if (outcome.ok) {
        this.#ownRevision = outcome.revision;
        break;
      }
      if (attempt >= 10) {
        throw new MeshError(
          "STORE_CONFLICT",
          `could not write the candidate key ${table.keyOf(this.candidateId)}`,
        );
      }
      expectedRevision = outcome.current?.revision ?? 0;
    }
    this.#recompute();
  }

  /** The mirror holds this candidate's key as last written (not an older state of it). */
  #ownsKey(): boolean {
    const own = this.#mirror.get(this.candidateId);
    return own !== undefined && own.revision >= this.#ownRevision;
  }

  #recompute(): void {
    const leaderId = this.#resigned ? undefined : this.#findLeader();
    const isLeader =
      !this.#resigned && !this.#sessionLost && leaderId === this.candidateId && this.#ownsKey();
    if (leaderId === this.#current.leaderId && isLeader === this.#current.isLeader) return;
    this.#current = { leaderId, isLeader };
    this.#listeners.emit(this.#current, (error) => {
      const reason = error instanceof Error ? error.message : String(error);
      this.#options.logger.error({ reason }, "a leadership listener threw");
    });
  }

  #findLeader(): string | undefined {
    let chosen: { value: string; createRevision: number } | undefined;
    for (const [, entry] of this.#mirror) {
      if (chosen === undefined || entry.createRevision < chosen.createRevision) chosen = entry;
    }
    if (chosen === undefined) return undefined;
    // The original's candidate value may carry extra lines after the id (etcd-java candId()).
    const newline = chosen.value.indexOf("\n");
    return newline === -1 ? chosen.value : chosen.value.slice(0, newline);
  }
}
