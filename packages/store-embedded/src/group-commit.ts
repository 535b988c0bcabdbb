import { type Logger, MeshError } from "@modelmesh/core";
import { type CommitRecord, frameRecord } from "./commit-record.js";
import { writeSnapshot } from "./snapshot-file.js";
import type { StoreState } from "./store-state.js";
import type { WriteAheadLog } from "./write-ahead-log.js";

/** Options of {@link GroupCommit}. */
export interface GroupCommitOptions {
  readonly dir: string;
  readonly wal: WriteAheadLog;
  readonly state: StoreState;
  /** Snapshot and start a new log segment once the segment exceeds this many bytes. */
  readonly compactAfterBytes: number;
  /** Called for each record once durable and applied to the state, in revision order. */
  readonly onDurable: (record: CommitRecord) => void;
  readonly logger: Logger;
}

interface Queued {
  readonly record: CommitRecord;
  readonly frame: Buffer;
  readonly resolve: () => void;
  readonly reject: (error: MeshError) => void;
}

/**
 * Makes commits durable in order, many per fsync: while one batch is being written and synced,
 * new commits queue up and go out together in the next (group commit). A commit's promise
 * resolves after its record is on stable storage and applied to the state. When the log segment
 * grows past the limit, the state is snapshotted and the segment replaced (compaction).
 *
 * Any I/O failure is final: after a failed write or fsync nobody can say what is on disk, so the
 * store refuses everything from then on (the process must restart and recover from the files).
 */
export class GroupCommit {
  readonly #options: GroupCommitOptions;
  #queue: Queued[] = [];
  readonly #inFlight = new Map<number, Promise<void>>();
  #running: Promise<void> | undefined;
  #failure: MeshError | undefined;

  constructor(options: GroupCommitOptions) {
    this.#options = options;
  }

  /** The failure that stopped the store, if any. */
  get failure(): MeshError | undefined {
    return this.#failure;
  }

  /** Queues a record; resolves once it is durable. */
  commit(record: CommitRecord): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const promise = new Promise<void>((resolve, reject) => {
      this.#queue.push({ record, frame: frameRecord(record), resolve, reject });
    });
    this.#inFlight.set(record.r, promise);
    promise.then(
      () => this.#inFlight.delete(record.r),
      () => this.#inFlight.delete(record.r),
    );
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
    });
    return promise;
  }

  /** Resolves once the commit of `revision` (if still in flight) is durable. */
  async waitDurable(revision: number): Promise<void> {
    await this.#inFlight.get(revision);
  }

  /** Resolves once everything queued so far is durable (or failed). */
  async drain(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  async #run(): Promise<void> {
    while (this.#queue.length > 0 && this.#failure === undefined) {
      const batch = this.#queue;
      this.#queue = [];
      try {
        await this.#options.wal.append(batch.map((queued) => queued.frame));
      } catch (error) {
        this.#fail(error, batch);
        return;
      }
      for (const queued of batch) {
        this.#options.state.apply(queued.record);
        this.#options.onDurable(queued.record);
        queued.resolve();
      }
      if (this.#options.wal.bytes > this.#options.compactAfterBytes) await this.#compact();
    }
  }

  async #compact(): Promise<void> {
    try {
      writeSnapshot(this.#options.dir, this.#options.state);
      await this.#options.wal.rotate();
    } catch (error) {
      this.#fail(error, []);
    }
  }

  #fail(error: unknown, batch: readonly Queued[]): void {
    const reason = error instanceof Error ? error.message : String(error);
    this.#failure = new MeshError(
      "STORE_UNAVAILABLE",
      `the embedded store could not write to ${this.#options.dir} (${reason}); restart the process to recover`,
      { cause: error },
    );
    this.#options.logger.error(
      { dir: this.#options.dir, reason },
      "embedded store write failed; refusing writes",
    );
    for (const queued of [...batch, ...this.#queue]) queued.reject(this.#failure);
    this.#queue = [];
  }
}
