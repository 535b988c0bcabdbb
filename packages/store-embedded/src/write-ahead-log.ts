import { constants, readdirSync } from "node:fs";
import { type FileHandle, open, rename, rm, unlink } from "node:fs/promises";
import { join } from "node:path";
import { frameRecord, segmentHeaderRecord } from "./commit-record.js";
import { fsyncPath } from "./snapshot-file.js";

/** File name of log segment `seq`: `wal-0000000000000001.log`. */
export function walFileName(seq: number): string {
  return `wal-${String(seq).padStart(16, "0")}.log`;
}

/** Parses a log segment's file name; undefined for other files. */
export function walSeqOf(fileName: string): number | undefined {
  const match = /^wal-(\d{16})\.log$/.exec(fileName);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Suffix of a segment being created (renamed into place once its header is durable). */
export const SEGMENT_TEMPORARY_SUFFIX = ".tmp";

/**
 * Segments are opened with `O_DSYNC`: each write returns only once its bytes (and the file length)
 * are on stable storage, as `write` then `fdatasync` would, in one system call instead of two.
 */
const SEGMENT_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_DSYNC;

/**
 * The append-only log segment being written. `append` returns only once the bytes are on stable
 * storage (`O_DSYNC`), which is what makes an acknowledged write survive `kill -9` and power loss.
 * `bytes` counts only what was acknowledged: after a failed append, {@link undoUnacknowledged}
 * cuts the segment back to it.
 */
export class WriteAheadLog {
  readonly #dir: string;
  #seq: number;
  #file: FileHandle;
  #bytes: number;

  private constructor(dir: string, seq: number, file: FileHandle, bytes: number) {
    this.#dir = dir;
    this.#seq = seq;
    this.#file = file;
    this.#bytes = bytes;
  }

  /** Opens the existing segment `seq` for appending, whose valid content is `bytes` long. */
  static async open(dir: string, seq: number, bytes: number): Promise<WriteAheadLog> {
    const file = await open(join(dir, walFileName(seq)), SEGMENT_FLAGS, 0o666);
    return new WriteAheadLog(dir, seq, file, bytes);
  }

  /** Creates segment `seq`, which follows revision `after`, and opens it for appending. */
  static async create(dir: string, seq: number, after: number): Promise<WriteAheadLog> {
    const bytes = await createSegment(dir, seq, after);
    return WriteAheadLog.open(dir, seq, bytes);
  }

  /** Sequence number of the current segment. */
  get seq(): number {
    return this.#seq;
  }

  /** Acknowledged bytes in the current segment. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Appends frames in one write and waits until they are durable. On failure some of them may
   * have reached the file: call {@link undoUnacknowledged} before appending again.
   */
  async append(frames: readonly Buffer[]): Promise<void> {
    const total = frames.reduce((sum, frame) => sum + frame.length, 0);
    const { bytesWritten: written } = await this.#file.writev(frames as Buffer[]);
    // A short write (the disk filled up midway) is followed by one for the rest, which either
    // completes the append or fails with the reason (ENOSPC).
    if (written < total) {
      const rest = Buffer.concat(frames as Buffer[]).subarray(written);
      for (let done = 0; done < rest.length; ) {
        const { bytesWritten } = await this.#file.write(rest, done);
        if (bytesWritten === 0)
          throw new Error(`short write to the log (${written + done} of ${total} bytes)`);
        done += bytesWritten;
      }
    }
    this.#bytes += total;
  }

  /**
   * Cuts the current segment back to its acknowledged length and makes that durable, so that
   * whatever part of a failed append reached the file is gone (appends then continue right after
   * the last acknowledged record). Shrinking a file needs no free space.
   */
  async undoUnacknowledged(): Promise<void> {
    await this.#file.truncate(this.#bytes);
    await this.#file.sync();
  }

  /**
   * Starts segment `seq + 1`, following revision `after` (every commit so far), and appends there
   * from now on. The earlier segments stay until a snapshot covers them ({@link deleteBefore}).
   */
  async startSegment(after: number): Promise<void> {
    const seq = this.#seq + 1;
    const bytes = await createSegment(this.#dir, seq, after);
    const path = join(this.#dir, walFileName(seq));
    const file = await open(path, SEGMENT_FLAGS, 0o666).catch(async (error: unknown) => {
      // Appends stay in this segment: an unused next one would claim to follow too early a revision.
      await unlink(path).catch(() => undefined);
      throw error;
    });
    const old = this.#file;
    this.#seq = seq;
    this.#file = file;
    this.#bytes = bytes;
    await old.close();
  }

  /** Deletes every segment before `seq` (a durable snapshot covers them). */
  async deleteBefore(seq: number): Promise<void> {
    const old = readdirSync(this.#dir).filter((name) => (walSeqOf(name) ?? seq) < seq);
    for (const name of old) await unlink(join(this.#dir, name));
    if (old.length > 0) fsyncPath(this.#dir);
  }

  /** Closes the segment. */
  async close(): Promise<void> {
    await this.#file.close();
  }
}

/**
 * Writes segment `seq` holding only its header (which revision it follows) under a temporary name
 * and renames it into place once durable: a segment file always has its whole header. Returns its
 * length. A failure (a full disk) removes the temporary file.
 */
async function createSegment(dir: string, seq: number, after: number): Promise<number> {
  const path = join(dir, walFileName(seq));
  const temporary = `${path}${SEGMENT_TEMPORARY_SUFFIX}`;
  const header = frameRecord(segmentHeaderRecord(after));
  try {
    const file = await open(temporary, "w", 0o666);
    try {
      await file.writeFile(header);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  fsyncPath(dir);
  return header.length;
}
