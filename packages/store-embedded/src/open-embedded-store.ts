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

/** Options of {@link openEmbeddedStore}. */
export interface EmbeddedStoreOptions {
  /** Data directory (`MM_DATA_DIR`); created when missing. Default {@link DEFAULT_DATA_DIR}. */
  readonly dir?: string;
  /**
   * Snapshot the state and start a new log segment once the segment exceeds this many bytes.
   * Default {@link DEFAULT_COMPACT_AFTER_BYTES}.
   */
  readonly compactAfterBytes?: number;
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
    const wal = await WriteAheadLog.open(dir, recovered.walSeq, recovered.walBytes);
    const store = new EmbeddedKvStore({
      dir,
      state: recovered.state,
      wal,
      lock,
      compactAfterBytes: options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER_BYTES,
      logger,
    });
    await store.deleteLeaseKeys(() => true);
    return store;
  } catch (error) {
    lock.release();
    throw error;
  }
}
