import { constants } from "node:fs";
import { type FileHandle, open, unlink } from "node:fs/promises";
import { join } from "node:path";
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

/**
 * Segments are opened with `O_DSYNC`: each write returns only once its bytes (and the file length)
 * are on stable storage, as `write` then `fdatasync` would, in one system call instead of two.
 */
const SEGMENT_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_DSYNC;

/**
 * The append-only log segment being written. `append` returns only once the bytes are on stable
 * storage (`O_DSYNC`), which is what makes an acknowledged write survive `kill -9` and power loss.
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

  /** Opens segment `seq` for appending (creating it), whose valid content is `bytes` long. */
  static async open(dir: string, seq: number, bytes: number): Promise<WriteAheadLog> {
    const file = await open(join(dir, walFileName(seq)), SEGMENT_FLAGS, 0o666);
    await file.sync();
    fsyncPath(dir);
    return new WriteAheadLog(dir, seq, file, bytes);
  }

  /** Bytes in the current segment. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Appends frames in one write and waits until they are durable. */
  async append(frames: readonly Buffer[]): Promise<void> {
    const total = frames.reduce((sum, frame) => sum + frame.length, 0);
    const { bytesWritten } = await this.#file.writev(frames as Buffer[]);
    if (bytesWritten !== total) throw new Error(`short write to the log (${bytesWritten} of ${total} bytes)`);
    this.#bytes += total;
  }

  /**
   * Starts a new, empty segment and deletes the old one. Call only after a snapshot covering every
   * record of the old segment is durable.
   */
  async rotate(): Promise<void> {
    const old = { file: this.#file, seq: this.#seq };
    this.#seq += 1;
    this.#file = await open(join(this.#dir, walFileName(this.#seq)), SEGMENT_FLAGS, 0o666);
    this.#bytes = 0;
    fsyncPath(this.#dir);
    await old.file.close();
    await unlink(join(this.#dir, walFileName(old.seq)));
    fsyncPath(this.#dir);
  }

  /** Closes the segment. */
  async close(): Promise<void> {
    await this.#file.close();
  }
}
