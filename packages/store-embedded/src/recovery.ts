import { closeSync, fsyncSync, ftruncateSync, openSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Logger, MeshError } from "@modelmesh/core";
import { readFrames } from "./commit-record.js";
import { readSnapshot } from "./snapshot-file.js";
import type { StoreState } from "./store-state.js";
import { walFileName, walSeqOf } from "./write-ahead-log.js";

/** What {@link recover} rebuilt from the data directory. */
export interface Recovered {
  readonly state: StoreState;
  /** Segment to keep appending to (1 when there was none). */
  readonly walSeq: number;
  /** Valid bytes in that segment. */
  readonly walBytes: number;
}

/**
 * Rebuilds the state: the snapshot, then every log segment in order (records the snapshot already
 * covers are skipped). The last segment may end in a torn record — a write that crashed before
 * its fsync returned, hence never acknowledged — which is cut off. A bad record anywhere else
 * (an earlier segment, or followed by valid records) means acknowledged data is damaged, which
 * is reported (`INVALID_DATA`) rather than ignored.
 */
export function recover(dir: string, logger: Logger): Recovered {
  const state = readSnapshot(dir);
  const segments = readdirSync(dir)
    .map(walSeqOf)
    .filter((seq): seq is number => seq !== undefined)
    .sort((a, b) => a - b);
  let walBytes = 0;
  for (const [index, seq] of segments.entries()) {
    const path = join(dir, walFileName(seq));
    // Records are applied as they are read; if the segment then turns out to be damaged before
    // its end, recovery fails as a whole and this state is dropped.
    const read = readFrames(readFileSync(path), (record) => {
      if (record.r > state.revision) state.apply(record);
    });
    if (read.stoppedBecause !== undefined) {
      if (index !== segments.length - 1 || read.damagedBeforeEnd === true) {
        throw new MeshError(
          "INVALID_DATA",
          `log segment ${path} is damaged before its end (${read.stoppedBecause})`,
          {
            key: path,
          },
        );
      }
      truncate(path, read.validBytes);
      logger.warn(
        { file: path, keptBytes: read.validBytes, reason: read.stoppedBecause },
        "cut off the torn tail of the write-ahead log (writes that were never acknowledged)",
      );
    }
    walBytes = read.validBytes;
  }
  return { state, walSeq: segments.at(-1) ?? 1, walBytes };
}

function truncate(path: string, bytes: number): void {
  const fd = openSync(path, "r+");
  try {
    ftruncateSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
