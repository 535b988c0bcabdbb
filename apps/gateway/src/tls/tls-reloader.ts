import { type FSWatcher, watch } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "@modelmesh/core";
import { loadTlsSnapshot, sameSnapshot, type TlsFiles, type TlsSnapshot, tlsPaths } from "./tls-snapshot.js";

/** Options for {@link TlsReloader}. */
export interface TlsReloaderOptions {
  readonly files: TlsFiles;
  /** The snapshot read at start. */
  readonly initial: TlsSnapshot;
  /** Re-read the files this often besides file events, ms (`MM_TLS_RELOAD_INTERVAL_MS`). */
  readonly intervalMs: number;
  readonly logger: Logger;
  /** Clock for certificate validity, epoch ms. Default `Date.now`. */
  readonly now?: () => number;
}

// File events come in bursts (a Secret update swaps a symlink and removes the old folder):
// read once they have settled.
const SETTLE_MS = 200;

/**
 * Keeps the TLS material in step with its files without a restart: it watches the folders of
 * the certificate, key and trust files (`fs.watch`; a Kubernetes Secret volume swaps its `..data`
 * symlink, which shows as an event in the folder) and also re-reads them every `intervalMs`, as
 * file events are not delivered on every file system. New material is checked as at start (key
 * matches certificate, not expired, trust readable); valid and different → it becomes
 * {@link TlsReloader.current} and subscribers are told, invalid → logged, the old material stays.
 */
export class TlsReloader {
  #current: TlsSnapshot;
  readonly #options: TlsReloaderOptions;
  readonly #listeners = new Set<(snapshot: TlsSnapshot) => void>();
  readonly #watchers: FSWatcher[] = [];
  readonly #interval: NodeJS.Timeout;
  #settle: NodeJS.Timeout | undefined;
  #lastProblem = "";

  constructor(options: TlsReloaderOptions) {
    this.#options = options;
    this.#current = options.initial;
    this.#interval = setInterval(() => this.reload(), options.intervalMs);
    this.#interval.unref();
    for (const dir of new Set(tlsPaths(options.files).map((path) => dirname(path)))) this.#watch(dir);
  }

  /** The material in force. */
  get current(): TlsSnapshot {
    return this.#current;
  }

  /** Calls `listener` with each new snapshot; returns the unsubscribe function. */
  subscribe(listener: (snapshot: TlsSnapshot) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Reads the files now; true when new material took effect. */
  reload(): boolean {
    const { files, logger } = this.#options;
    const loaded = loadTlsSnapshot(files, (this.#options.now ?? Date.now)());
    if (!loaded.ok) {
      // Logged once per distinct problem, not on every poll while it lasts.
      const problem = loaded.errors.join("; ");
      if (problem !== this.#lastProblem)
        logger.error(
          { problems: loaded.errors },
          "TLS files changed but are not usable: the material in force stays",
        );
      this.#lastProblem = problem;
      return false;
    }
    this.#lastProblem = "";
    if (sameSnapshot(loaded.value, this.#current)) return false;
    this.#current = loaded.value;
    logger.info({}, "TLS files changed: new connections use the new material");
    for (const listener of this.#listeners) listener(loaded.value);
    return true;
  }

  /** Stops watching. */
  close(): void {
    clearInterval(this.#interval);
    clearTimeout(this.#settle);
    for (const watcher of this.#watchers) watcher.close();
    this.#listeners.clear();
  }

  #watch(dir: string): void {
    try {
      const watcher = watch(dir, { persistent: false }, () => this.#soon());
      // A watched folder that vanishes (or a watch the platform drops) leaves the polling.
      watcher.on("error", () => watcher.close());
      this.#watchers.push(watcher);
    } catch (error) {
      this.#options.logger.warn(
        { dir, err: error },
        "cannot watch a TLS folder: changes are found by polling",
      );
    }
  }

  #soon(): void {
    clearTimeout(this.#settle);
    this.#settle = setTimeout(() => this.reload(), SETTLE_MS);
    this.#settle.unref();
  }
}
