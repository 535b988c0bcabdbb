import { type FSWatcher, readFileSync, watch } from "node:fs";
import { basename, dirname } from "node:path";
import type { Logger } from "@modelmesh/core";
import { parseTypeConstraints, type TypeConstraintConfig } from "./type-constraints.js";

/** Reads and parses a type-constraint file (`MM_TYPE_CONSTRAINTS_PATH`). Throws on a bad file. */
export function readTypeConstraintsFile(path: string): TypeConstraintConfig {
  return parseTypeConstraints(readFileSync(path, "utf8"));
}

/**
 * Re-reads `path` whenever its directory changes (§9.7: a mounted ConfigMap is replaced by
 * swapping its `..data` symlink, so the directory is watched, not the file) and hands each
 * successfully parsed, changed configuration to `onChange`. A file that does not parse is logged
 * and the previous configuration stays. Returns a function that stops watching.
 */
export function watchTypeConstraintsFile(
  path: string,
  onChange: (config: TypeConstraintConfig) => void,
  logger: Logger,
): () => void {
  let last = "";
  try {
    last = JSON.stringify(readTypeConstraintsFile(path));
  } catch {
    // The caller read it once already; a failure here surfaces on the next change.
  }
  let timer: NodeJS.Timeout | undefined;
  const reload = () => {
    timer = undefined;
    try {
      const config = readTypeConstraintsFile(path);
      const text = JSON.stringify(config);
      if (text === last) return;
      last = text;
      logger.info({ path }, "type constraints reloaded");
      onChange(config);
    } catch (error) {
      logger.warn(
        { path, reason: String(error) },
        "type constraints file unreadable; keeping the previous ones",
      );
    }
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), (_event, file) => {
      // Changes of other files in the directory matter too (`..data` swaps); only debounce them.
      if (file !== null && file !== basename(path) && !String(file).startsWith("..")) return;
      clearTimeout(timer);
      timer = setTimeout(reload, 100);
      timer.unref();
    });
    watcher.unref();
  } catch (error) {
    logger.warn({ path, reason: String(error) }, "cannot watch the type constraints file");
  }
  return () => {
    clearTimeout(timer);
    watcher?.close();
  };
}
