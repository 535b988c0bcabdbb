import { readFile, type Stats, unwatchFile, watchFile } from "node:fs";
import type { Logger } from "@modelmesh/core";
import type { ModelMesh } from "@modelmesh/server";
import { type DataplaneConfig, parseDataplaneDocument } from "../config/sections/dataplane.js";

// How often the file's metadata is checked (ms). Polling, because a ConfigMap update swaps a
// symlink, which `fs.watch` can miss.
const POLL_INTERVAL_MS = 1000;

/** Options of {@link watchDataplaneFile}. */
export interface WatchDataplaneOptions {
  /** `MM_DATAPLANE_CONFIG_PATH`. */
  readonly path: string;
  /** The config read at start, for telling whether a change changed anything. */
  readonly initial: DataplaneConfig;
  readonly mesh: Pick<ModelMesh, "setDataplane">;
  readonly logger: Logger;
}

function changed(current: Stats, previous: Stats): boolean {
  return (
    current.mtimeMs !== previous.mtimeMs || current.size !== previous.size || current.ino !== previous.ino
  );
}

/**
 * Re-reads the dataplane config file whenever it changes on disk (§2.1: the original watches it)
 * and hands a valid new config to the mesh; calls that start afterwards use it. An unreadable or
 * invalid file is logged and the config in force is kept. Returns the function that stops watching.
 */
export function watchDataplaneFile(options: WatchDataplaneOptions): () => void {
  const { path, logger, mesh } = options;
  let inForce = JSON.stringify(options.initial);
  const apply = (error: Error | null, content: string) => {
    if (error) {
      logger.error(
        { path, err: error },
        "cannot read the dataplane config file: the previous config stays in force",
      );
      return;
    }
    const parsed = parseDataplaneDocument(content);
    if (!parsed.ok) {
      logger.error(
        { path, problem: parsed.error },
        "invalid dataplane config file: the previous config stays in force",
      );
      return;
    }
    const text = JSON.stringify(parsed.value);
    if (text === inForce) return;
    inForce = text;
    mesh.setDataplane(parsed.value);
    logger.info(
      { path, methods: Object.keys(parsed.value.rpcConfigs), allowOtherRpcs: parsed.value.allowOtherRpcs },
      "dataplane config reloaded",
    );
  };
  // One read at a time; a change seen during a read triggers one more read after it.
  let reading = false;
  let again = false;
  const reload = () => {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    readFile(path, "utf8", (error, content) => {
      reading = false;
      apply(error, content);
      if (again) {
        again = false;
        reload();
      }
    });
  };
  const listener = (current: Stats, previous: Stats) => {
    if (changed(current, previous)) reload();
  };
  watchFile(path, { interval: POLL_INTERVAL_MS, persistent: false }, listener);
  // The file was read when the config was loaded, possibly minutes ago (the runtime handshake
  // comes in between): read it once more, so a change in that window is not missed.
  reload();
  return () => unwatchFile(path, listener);
}
