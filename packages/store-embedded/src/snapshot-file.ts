import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { MeshError } from "@modelmesh/core";
import { type StoredEntry, StoreState } from "./store-state.js";

/** Name of the snapshot file inside the data directory. */
export const SNAPSHOT_FILE_NAME = "snapshot.dat";
const MAGIC = "MMSNAP1";

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
 * either the old snapshot or the new one, never a mix. Format: a header line
 * `MMSNAP1 <revision> <crc32> <bytes>` then the JSON rows.
 */
export function writeSnapshot(dir: string, state: StoreState): void {
  const rows: SnapshotRow[] = [];
  for (const [key, e] of state.entries)
    rows.push([key, e.value, e.createRevision, e.modRevision, e.lease ?? null]);
  const body = Buffer.from(JSON.stringify(rows), "utf8");
  const header = Buffer.from(`${MAGIC} ${state.revision} ${crc32(body)} ${body.length}\n`, "utf8");
  const temporary = join(dir, `${SNAPSHOT_FILE_NAME}.tmp`);
  writeFileSync(temporary, Buffer.concat([header, body]));
  fsyncPath(temporary);
  renameSync(temporary, join(dir, SNAPSHOT_FILE_NAME));
  fsyncPath(dir);
}

/**
 * Reads the snapshot, or returns an empty state when there is none. A snapshot that fails its
 * checksum means the disk lost data written and fsync'ed earlier: that is reported
 * (`INVALID_DATA`), never silently ignored.
 */
export function readSnapshot(dir: string): StoreState {
  const path = join(dir, SNAPSHOT_FILE_NAME);
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return new StoreState();
    throw error;
  }
  const newline = data.indexOf(10);
  const [magic, revision, checksum, length] = data
    .subarray(0, Math.max(0, newline))
    .toString("utf8")
    .split(" ");
  const body = data.subarray(newline + 1);
  if (magic !== MAGIC || Number(length) !== body.length || Number(checksum) !== crc32(body)) {
    throw new MeshError("INVALID_DATA", `the snapshot ${path} is damaged (bad header or checksum)`, {
      key: path,
    });
  }
  const state = new StoreState();
  for (const [key, value, createRevision, modRevision, lease] of JSON.parse(
    body.toString("utf8"),
  ) as SnapshotRow[]) {
    const entry: StoredEntry = { value, createRevision, modRevision, lease: lease ?? undefined };
    state.entries.set(key, entry);
  }
  state.revision = Number(revision);
  return state;
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
