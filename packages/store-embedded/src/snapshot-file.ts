import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { MeshError } from "@modelmesh/core";
import { type StoredEntry, StoreState } from "./store-state.js";

/** Name of the snapshot file inside the data directory. */
export const SNAPSHOT_FILE_NAME = "snapshot.dat";
/** The whole state as one JSON array of rows (read only: data directories written before). */
const MAGIC_ARRAY = "MMSNAP1";
/** One JSON row per line (written now): read and written a row at a time. */
const MAGIC_LINES = "MMSNAP2";

type SnapshotRow = [
  key: string,
  value: string,
  createRevision: number,
  modRevision: number,
  lease: string | null,
];

/**
 * Writes the whole state as the new snapshot, atomically: a temporary file is written and
 * fsync'ed, then renamed over the old one and the directory fsync'ed. A crash at any point leaves
 * either the old snapshot or the new one, never a mix; a failure (a full disk) removes the
 * temporary file, so it holds no space. Format: a header line
 * `MMSNAP2 <revision> <crc32> <bytes> <next segment> <header crc32>` (fixed-width numbers, written
 * last) then one JSON row per line (JSON text never holds a raw newline). `nextSegment` is the
 * sequence number of the log segment holding the commits after `state.revision`: recovery refuses
 * a directory where it is missing. Rows go through one reused buffer straight to the file, so
 * writing a large state allocates neither one big string nor one big buffer.
 */
export function writeSnapshot(dir: string, state: StoreState, nextSegment: number): void {
  const temporary = join(dir, `${SNAPSHOT_FILE_NAME}.tmp`);
  try {
    writeSnapshotFile(temporary, state, nextSegment);
    renameSync(temporary, join(dir, SNAPSHOT_FILE_NAME));
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  fsyncPath(dir);
}

function writeSnapshotFile(path: string, state: StoreState, nextSegment: number): void {
  const fd = openSync(path, "w");
  try {
    let position = Buffer.byteLength(headerLine(state.revision, 0, 0, nextSegment));
    let crc = 0;
    let bytes = 0;
    const put = (data: Buffer) => {
      crc = crc32(data, crc);
      writeFully(fd, data, position);
      position += data.length;
      bytes += data.length;
    };
    const chunk = Buffer.allocUnsafeSlow(CHUNK_BYTES);
    let used = 0;
    for (const [key, e] of state.entries) {
      const row: SnapshotRow = [key, e.value, e.createRevision, e.modRevision, e.lease ?? null];
      const line = `${JSON.stringify(row)}\n`;
      const length = Buffer.byteLength(line, "utf8");
      if (used + length > CHUNK_BYTES) {
        put(chunk.subarray(0, used));
        used = 0;
      }
      if (length > CHUNK_BYTES) put(Buffer.from(line, "utf8"));
      else used += chunk.write(line, used, "utf8");
    }
    if (used > 0) put(chunk.subarray(0, used));
    writeFully(fd, Buffer.from(headerLine(state.revision, crc, bytes, nextSegment), "utf8"), 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Bytes of rows gathered before each write. */
const CHUNK_BYTES = 256 * 1024;

/** The header line; fixed width, so it can be written over its placeholder once the body is out. */
function headerLine(revision: number, crc: number, bytes: number, nextSegment: number): string {
  const pad = (value: number, width: number) => String(value).padStart(width, "0");
  const fields = `${MAGIC_LINES} ${pad(revision, 16)} ${pad(crc, 10)} ${pad(bytes, 16)} ${pad(nextSegment, 16)}`;
  return `${fields} ${pad(crc32(fields), 10)}\n`;
}

function writeFully(fd: number, data: Buffer, position: number): void {
  for (let done = 0; done < data.length; ) {
    done += writeSync(fd, data, done, data.length - done, position + done);
  }
}

/** What {@link readSnapshot} found. */
export interface SnapshotRead {
  readonly state: StoreState;
  /**
   * Sequence number of the log segment that follows the snapshot; undefined for snapshots written
   * before it was recorded.
   */
  readonly nextSegment: number | undefined;
}

/**
 * Reads the snapshot, or returns undefined when there is none. A snapshot that fails its
 * checksum means the disk lost data written and fsync'ed earlier: that is reported
 * (`INVALID_DATA`), never silently ignored.
 */
export function readSnapshot(dir: string): SnapshotRead | undefined {
  const path = join(dir, SNAPSHOT_FILE_NAME);
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const newline = data.indexOf(10);
  const header = data.subarray(0, Math.max(0, newline)).toString("utf8");
  const [magic, revision, checksum, length, nextSegment, headerChecksum] = header.split(" ");
  const body = data.subarray(newline + 1);
  const damaged = () =>
    new MeshError("INVALID_DATA", `the snapshot ${path} is damaged (bad header or checksum)`, { key: path });
  // Four fields: written before the next segment was recorded (or the one-array format).
  const headerIntact =
    nextSegment === undefined ||
    (magic === MAGIC_LINES &&
      Number(headerChecksum) === crc32(header.slice(0, header.lastIndexOf(" "))) &&
      Number.isSafeInteger(Number(nextSegment)));
  if (
    !headerIntact ||
    (magic !== MAGIC_LINES && magic !== MAGIC_ARRAY) ||
    Number(length) !== body.length ||
    Number(checksum) !== crc32(body)
  ) {
    throw damaged();
  }
  const state = new StoreState();
  const add = ([key, value, createRevision, modRevision, lease]: SnapshotRow) => {
    const entry: StoredEntry = { value, createRevision, modRevision, lease: lease ?? undefined };
    state.entries.set(key, entry);
  };
  if (magic === MAGIC_ARRAY) {
    for (const row of JSON.parse(body.toString("utf8")) as SnapshotRow[]) add(row);
  } else {
    // A row at a time: each row's array and its line's text are garbage right after, and only the
    // key and value strings stay.
    for (let start = 0; start < body.length; ) {
      const end = body.indexOf(10, start);
      if (end < 0) throw damaged();
      add(JSON.parse(body.toString("utf8", start, end)) as SnapshotRow);
      start = end + 1;
    }
  }
  state.revision = Number(revision);
  return { state, nextSegment: nextSegment === undefined ? undefined : Number(nextSegment) };
}

/** fsyncs a file or directory, so a rename or new file survives a crash. */
export function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
