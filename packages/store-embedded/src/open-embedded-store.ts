import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { type KvStore, type Logger, MeshError, noopLogger } from "@modelmesh/core";
import { lockDataDir } from "./data-dir-lock.js";
import { EmbeddedKvStore } from "./embedded-store.js";
import { recover } from "./recovery.js";
import { WriteAheadLog } from "./write-ahead-log.js";

/** Default data directory (relative to the working directory), the default of `MM_DATA_DIR`. */
export const DEFAULT_DATA_DIR = ".modelmesh-data";

/** Default log segment size that triggers a snapshot: 16 MiB. */
export const DEFAULT_COMPACT_AFTER_BYTES = 16 * 1024 * 1024;

/** Default pause between attempts to write again after a write failed: 1 s. */
export const DEFAULT_WRITE_RETRY_INTERVAL_MS = 1000;

/** Options of {@link openEmbeddedStore}. */
export interface EmbeddedStoreOptions {
  /** Data directory (`MM_DATA_DIR`); created when missing. Default {@link DEFAULT_DATA_DIR}. */
  readonly dir?: string;
  /**
   * Snapshot the state and start a new log segment once the segment exceeds this many bytes.
   * Default {@link DEFAULT_COMPACT_AFTER_BYTES}.
   */
  readonly compactAfterBytes?: number;
  /**
   * After a write failed (e.g. the disk is full), writes are refused and retried this often (ms):
   * the log is cut back to its last acknowledged record and the disk probed with a real write;
   * the first success ends the refusal. Default {@link DEFAULT_WRITE_RETRY_INTERVAL_MS}.
   */
  readonly writeRetryIntervalMs?: number;
  /** Receives recovery and failure reports. Default: no-op. */
  readonly logger?: Logger;
}

/**
 * Opens the embedded store: takes the directory's lock (a second process gets a `MeshError`
 * naming the owner's pid), recovers the state from the snapshot and the write-ahead log (cutting
 * off a torn tail), and deletes the session keys of the previous process, as their leases died
 * with it. One process only; for several mesh instances use etcd.
 */
export async function openEmbeddedStore(options: EmbeddedStoreOptions = {}): Promise<KvStore> {
  const dir = resolve(options.dir ?? DEFAULT_DATA_DIR);
  const logger = (options.logger ?? noopLogger).child({ component: "store-embedded", dir });
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new MeshError(
      "FAILED_PRECONDITION",
      `cannot create data directory ${dir}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const lock = lockDataDir(dir);
  try {
    const recovered = recover(dir, logger);
    const wal =
      recovered.segment === undefined
        ? await WriteAheadLog.create(dir, recovered.newSegment, recovered.state.revision)
        : await WriteAheadLog.open(dir, recovered.segment.seq, recovered.segment.bytes);
    const store = new EmbeddedKvStore({
      dir,
      state: recovered.state,
      wal,
      lock,
      compactAfterBytes: options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER_BYTES,
      retryIntervalMs: options.writeRetryIntervalMs ?? DEFAULT_WRITE_RETRY_INTERVAL_MS,
      logger,
    });
    await store.deleteLeaseKeys(() => true);
    return store;
  } catch (error) {
    lock.release();
    throw error;
  }
}
