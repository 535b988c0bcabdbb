import { type Logger, MeshError } from "@modelmesh/core";
import { type CommitRecord, frameRecord } from "./commit-record.js";
import { writeSnapshot } from "./snapshot-file.js";
import type { StoreState } from "./store-state.js";
import type { WriteAheadLog } from "./write-ahead-log.js";
import { probeWritable } from "./write-probe.js";

/** Options of {@link GroupCommit}. */
export interface GroupCommitOptions {
  readonly dir: string;
  readonly wal: WriteAheadLog;
  readonly state: StoreState;
  /** Snapshot and start a new log segment once the segment exceeds this many bytes. */
  readonly compactAfterBytes: number;
  /** While writes fail, how often to try to repair the log and probe the disk (ms). */
  readonly retryIntervalMs: number;
  /** Called for each record once durable and applied to the state, in revision order. */
  readonly onDurable: (record: CommitRecord) => void;
  /** Called once writes fail, after every queued commit was rejected: nothing is pending any more. */
  readonly onFailed: () => void;
  readonly logger: Logger;
}

interface Queued {
  readonly record: CommitRecord;
  readonly frame: Buffer;
  readonly resolve: () => void;
  readonly reject: (error: MeshError) => void;
}

/** errno codes that mean the disk (or the quota) is full. */
const NO_SPACE_CODES = new Set(["ENOSPC", "EDQUOT"]);

/**
 * Makes commits durable in order, many per fsync: while one batch is being written and synced,
 * new commits queue up and go out together in the next (group commit). A commit's promise
 * resolves after its record is on stable storage and applied to the state. When the log segment
 * grows past the limit, the state is snapshotted and a new segment started (compaction).
 *
 * When a write, fsync or compaction fails (a full disk), nobody can say how much of the failed
 * append reached the file, so the segment is cut back to its last acknowledged record at once;
 * every commit not yet acknowledged is rejected (and so never applied: memory keeps matching the
 * disk), and the store refuses writes ({@link failure}). Every `retryIntervalMs` it repairs the log
 * again (the cut, or the compaction that failed) and probes the disk with a real write; the first
 * success ends the failure, without a restart.
 */
export class GroupCommit {
  readonly #options: GroupCommitOptions;
  #queue: Queued[] = [];
  readonly #inFlight = new Map<number, Promise<void>>();
  #running: Promise<void> | undefined;
  #failure: MeshError | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: GroupCommitOptions) {
    this.#options = options;
  }

  /** Why writes are refused now; undefined while they work. */
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

  /** Stops retrying after a failure (the store is closing). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
  }

  async #run(): Promise<void> {
    while (this.#queue.length > 0 && this.#failure === undefined) {
      const batch = this.#queue;
      this.#queue = [];
      try {
        await this.#options.wal.append(batch.map((queued) => queued.frame));
      } catch (error) {
        const undone = await this.#options.wal.undoUnacknowledged().then(
          () => true,
          () => false,
        );
        const outcome = undone
          ? "the write was not applied"
          : "whether the write reached the disk is unknown";
        this.#fail(error, batch, { outcome, during: "append" });
        return;
      }
      for (const queued of batch) {
        this.#options.state.apply(queued.record);
        this.#options.onDurable(queued.record);
        queued.resolve();
      }
      if (this.#options.wal.bytes > this.#options.compactAfterBytes) {
        try {
          await this.#compact();
        } catch (error) {
          // Everything acknowledged is still in the log: only the snapshot is missing.
          this.#fail(error, [], { outcome: "the write was not applied", during: "compaction" });
          return;
        }
      }
    }
  }

  /**
   * Starts a new segment, then writes a snapshot naming it, then deletes the segments before it.
   * Stopping (or failing) after any step leaves a directory that recovers: the snapshot always
   * names a segment that exists, and every segment follows on from what is before it.
   */
  async #compact(): Promise<void> {
    const { wal, state, dir, logger } = this.#options;
    await wal.startSegment(state.revision);
    writeSnapshot(dir, state, wal.seq);
    await wal.deleteBefore(wal.seq).catch((error: unknown) => {
      // Harmless: recovery deletes them, and so does the next compaction.
      logger.warn({ reason: describe(error) }, "could not delete log segments a snapshot covers");
    });
  }

  #fail(
    error: unknown,
    batch: readonly Queued[],
    { outcome, during }: { readonly outcome: string; readonly during: "append" | "compaction" },
  ): void {
    const reason = describe(error);
    const noSpace = NO_SPACE_CODES.has((error as NodeJS.ErrnoException).code ?? "");
    const { dir, retryIntervalMs, logger } = this.#options;
    this.#failure = new MeshError(
      "STORE_UNAVAILABLE",
      `${noSpace ? "the disk of the embedded store is full: " : ""}could not write to ${dir} (${reason}); ` +
        `${outcome}, and writes are refused until a write succeeds again (tried every ${retryIntervalMs} ms)`,
      { cause: error },
    );
    logger.error(
      { dir, reason, during },
      "embedded store write failed; refusing writes until the disk takes writes again",
    );
    for (const queued of [...batch, ...this.#queue]) queued.reject(this.#failure);
    this.#queue = [];
    this.#options.onFailed();
    this.#scheduleRepair();
  }

  #scheduleRepair(): void {
    if (this.#stopped) return;
    this.#retryTimer = setTimeout(() => void this.#repair(), this.#options.retryIntervalMs);
    this.#retryTimer.unref();
  }

  /** One repair attempt while failed: cut the log back, redo a due compaction, probe the disk. */
  async #repair(): Promise<void> {
    const { wal, dir, compactAfterBytes, logger } = this.#options;
    try {
      await wal.undoUnacknowledged();
      if (wal.bytes > compactAfterBytes) await this.#compact();
      else await probeWritable(dir);
    } catch (error) {
      logger.debug({ reason: describe(error) }, "embedded store still cannot write");
      this.#scheduleRepair();
      return;
    }
    if (this.#stopped) return;
    this.#failure = undefined;
    logger.info({ dir }, "embedded store writes work again");
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
