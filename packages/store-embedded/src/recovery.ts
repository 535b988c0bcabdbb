import { closeSync, fsyncSync, ftruncateSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type Logger, MeshError } from "@modelmesh/core";
import { readFrames, segmentHeaderAfter } from "./commit-record.js";
import { fsyncPath, readSnapshot, SNAPSHOT_FILE_NAME } from "./snapshot-file.js";
import { StoreState } from "./store-state.js";
import { SEGMENT_TEMPORARY_SUFFIX, walFileName, walSeqOf } from "./write-ahead-log.js";
import { WRITE_PROBE_FILE_NAME } from "./write-probe.js";

/** What {@link recover} rebuilt from the data directory. */
export interface Recovered {
  readonly state: StoreState;
  /**
   * The segment to keep appending to, with its acknowledged length; undefined when there is none
   * (a new directory): then segment {@link Recovered.newSegment} is to be created.
   */
  readonly segment: { readonly seq: number; readonly bytes: number } | undefined;
  /** Sequence number for a segment created when there is none to append to. */
  readonly newSegment: number;
}

/** What an operator can do about a refused directory, appended to each refusal. */
const WHAT_TO_DO =
  "restore the missing or damaged file from a backup of the whole directory, or move the " +
  "directory aside to start empty (every registration in it is then lost)";

/**
 * Rebuilds the state: the snapshot, then every log segment in order (records the snapshot already
 * covers are skipped). The last segment may end in a torn record — a write that crashed before
 * its fsync returned, hence never acknowledged — which is cut off and reported.
 *
 * Everything else that would lose acknowledged writes stops the open with `INVALID_DATA`, naming
 * the files and what is missing: a bad record anywhere but the very end; a missing snapshot when
 * the log does not start at segment 1; a missing segment (the one the snapshot names as its
 * successor, or one between two others); a segment that starts after a revision nothing before
 * it reaches; revisions that jump inside a segment. Directories written before segments had
 * headers and snapshots named their successor are checked as far as their files allow: the first
 * record of each segment must follow on what came before.
 */
export function recover(dir: string, logger: Logger): Recovered {
  removeTemporaries(dir);
  const snapshot = readSnapshot(dir);
  const state = snapshot?.state ?? new StoreState();
  const seqs = segmentsToRead(dir, snapshot?.state.revision, snapshot?.nextSegment, logger);
  let segment: Recovered["segment"];
  for (const [index, seq] of seqs.entries()) {
    const last = index === seqs.length - 1;
    const bytes = replaySegment(dir, seq, state, { last, logger });
    // Undefined: an unused last segment, removed (its number is free again).
    if (bytes !== undefined) segment = { seq, bytes };
  }
  return { state, segment, newSegment: seqs.at(-1) ?? 1 };
}

/** Deletes segments, snapshots and probes that were being written when the process stopped. */
function removeTemporaries(dir: string): void {
  for (const name of readdirSync(dir)) {
    const segment = name.endsWith(SEGMENT_TEMPORARY_SUFFIX) && walSeqOf(name.slice(0, -4)) !== undefined;
    const other = name === `${SNAPSHOT_FILE_NAME}.tmp` || name === WRITE_PROBE_FILE_NAME;
    if (segment || other) rmSync(join(dir, name), { force: true });
  }
}

/**
 * The segments recovery replays, in order, after checking that none is missing. Segments before
 * the one the snapshot names are covered by it (left by a compaction that stopped before deleting
 * them) and are deleted.
 */
function segmentsToRead(
  dir: string,
  snapshotRevision: number | undefined,
  nextSegment: number | undefined,
  logger: Logger,
): number[] {
  const all = readdirSync(dir)
    .map(walSeqOf)
    .filter((seq): seq is number => seq !== undefined)
    .sort((a, b) => a - b);
  const snapshotPath = join(dir, SNAPSHOT_FILE_NAME);
  const segmentPath = (seq: number) => join(dir, walFileName(seq));
  let seqs = all;
  if (snapshotRevision === undefined) {
    const first = all[0];
    if (first !== undefined && first !== 1) {
      throw gap(
        `the snapshot ${snapshotPath} is missing, but the log starts at ${segmentPath(first)} (segment ${first}, ` +
          "not 1): every record compacted into the snapshot is gone",
        snapshotPath,
      );
    }
  } else if (nextSegment !== undefined) {
    const covered = all.filter((seq) => seq < nextSegment);
    for (const seq of covered) rmSync(segmentPath(seq), { force: true });
    if (covered.length > 0) {
      fsyncPath(dir);
      logger.info({ segments: covered }, "deleted log segments the snapshot already covers");
    }
    seqs = all.filter((seq) => seq >= nextSegment);
    if (seqs[0] !== nextSegment) {
      throw gap(
        `the log segment ${segmentPath(nextSegment)} is missing: it holds the commits after revision ` +
          `${snapshotRevision} of the snapshot ${snapshotPath}, which names it as the next segment`,
        segmentPath(nextSegment),
      );
    }
  } else if (all.length === 0) {
    throw gap(
      `no log segment follows the snapshot ${snapshotPath} (revision ${snapshotRevision}): the segment ` +
        "holding the commits after it is missing",
      snapshotPath,
    );
  }
  for (let i = 1; i < seqs.length; i++) {
    const before = seqs[i - 1] as number;
    const after = seqs[i] as number;
    if (after !== before + 1) {
      const missing =
        after === before + 2
          ? segmentPath(before + 1)
          : `${segmentPath(before + 1)} to ${segmentPath(after - 1)}`;
      throw gap(
        `the log segment ${missing} is missing (between ${segmentPath(before)} and ${segmentPath(after)})`,
        segmentPath(before + 1),
      );
    }
  }
  return seqs;
}

/**
 * Applies one segment's records above the state's revision, checking that they follow on from
 * it. Returns the segment's acknowledged length, or undefined when it was the unused last segment
 * of an interrupted compaction and has been removed.
 */
function replaySegment(
  dir: string,
  seq: number,
  state: StoreState,
  context: { readonly last: boolean; readonly logger: Logger },
): number | undefined {
  const path = join(dir, walFileName(seq));
  const reached = state.revision;
  let after: number | undefined;
  let previous: number | undefined;
  // Records are applied as they are read; if the segment then turns out to be damaged before
  // its end, recovery fails as a whole and this state is dropped.
  const read = readFrames(readFileSync(path), (record) => {
    const header = previous === undefined && after === undefined ? segmentHeaderAfter(record) : undefined;
    if (header !== undefined) {
      if (header > reached) throw missingBefore(path, header + 1, reached);
      after = header;
      return;
    }
    if (previous === undefined) {
      if (record.r > reached + 1) throw missingBefore(path, record.r, reached);
      if (after !== undefined && record.r !== after + 1) {
        throw damaged(
          `${path} says it follows revision ${after}, but its first commit is revision ${record.r}`,
          path,
        );
      }
    } else if (record.r !== previous + 1) {
      throw damaged(`${path} jumps from revision ${previous} to ${record.r}`, path);
    }
    previous = record.r;
    if (record.r > state.revision) state.apply(record);
  });
  if (read.stoppedBecause !== undefined) {
    if (!context.last || read.damagedBeforeEnd === true) {
      throw damaged(`log segment ${path} is damaged before its end (${read.stoppedBecause})`, path);
    }
    truncate(path, read.validBytes);
    context.logger.warn(
      { file: path, keptBytes: read.validBytes, reason: read.stoppedBecause },
      "cut off the torn tail of the write-ahead log (writes that were never acknowledged)",
    );
  }
  if (context.last && previous === undefined && after !== undefined && after < reached) {
    // Created by a compaction that then failed or stopped, and never written to: appending here
    // would contradict its header.
    rmSync(path, { force: true });
    fsyncPath(dir);
    return undefined;
  }
  return read.validBytes;
}

function missingBefore(path: string, first: number, reached: number): MeshError {
  const missing =
    first === reached + 2 ? `revision ${reached + 1} is` : `revisions ${reached + 1} to ${first - 1} are`;
  const from =
    reached === 0
      ? "nothing before it"
      : `the snapshot and the segments before it end at revision ${reached}`;
  return gap(`the log segment ${path} starts at revision ${first}, but ${from}: ${missing} missing`, path);
}

function gap(message: string, key: string): MeshError {
  return new MeshError("INVALID_DATA", `refusing to open the embedded store: ${message}; ${WHAT_TO_DO}`, {
    key,
  });
}

function damaged(message: string, key: string): MeshError {
  return new MeshError("INVALID_DATA", `${message}; ${WHAT_TO_DO}`, { key });
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
