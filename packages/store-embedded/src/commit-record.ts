import { crc32 } from "node:zlib";

/**
 * One write of a commit: a put (`v` present, with the key's create revision `c` and, for session
 * keys, the lease `l`) or a delete (`v` absent). Short names: this is the on-disk format.
 */
export interface CommitOp {
  readonly k: string;
  readonly v?: string;
  readonly c?: number;
  readonly l?: string;
}

/**
 * One committed transaction: every op applied at revision `r`. A segment's header is a record too
 * (see {@link segmentHeaderRecord}): revision 0, no ops, and `a`.
 */
export interface CommitRecord {
  readonly r: number;
  readonly o: readonly CommitOp[];
  /** Header only: the revision this segment follows (its first commit is `a + 1`). */
  readonly a?: number;
}

/**
 * The first record of every log segment created since segments carry headers: which revision the
 * segment follows, so recovery can tell a complete log from one with a segment missing. It is an
 * ordinary frame at revision 0, which earlier versions of this store read and skip (they apply
 * only revisions above the snapshot's).
 */
export function segmentHeaderRecord(after: number): CommitRecord {
  return { r: 0, o: [], a: after };
}

/** The revision a segment follows when `record` is a segment header, else undefined. */
export function segmentHeaderAfter(record: CommitRecord): number | undefined {
  return record.r === 0 && record.o.length === 0 && Number.isSafeInteger(record.a) ? record.a : undefined;
}

const HEADER_BYTES = 8;
/** Larger lengths can only be garbage (a torn or corrupt header). */
const MAX_RECORD_BYTES = 512 * 1024 * 1024;

/**
 * Frames a record for the write-ahead log: payload length (u32 LE), CRC-32 of the payload (u32 LE),
 * then the payload (JSON, UTF-8). The checksum tells a torn or corrupt tail from a real record.
 */
export function frameRecord(record: CommitRecord): Buffer {
  const payload = Buffer.from(JSON.stringify(record), "utf8");
  const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt32LE(crc32(payload), 4);
  payload.copy(frame, HEADER_BYTES);
  return frame;
}

/** What {@link readFrames} found in a log file. */
export interface ReadFrames {
  readonly records: readonly CommitRecord[];
  /** Bytes from the start that hold whole, valid records. */
  readonly validBytes: number;
  /** Why reading stopped before the end, when it did. */
  readonly stoppedBecause?: string;
  /**
   * A valid record follows the bad one: the damage is in the middle of acknowledged data, not a
   * torn tail (which is always the end of the file).
   */
  readonly damagedBeforeEnd?: boolean;
}

/**
 * Reads framed records until the end of `data` or the first frame that is incomplete, fails its
 * checksum or does not parse: everything from there on is a torn tail. With `onRecord`, each
 * record is handed over as soon as it is read and `records` stays empty (recovery applies a log
 * of many megabytes without holding all of its parsed records at once).
 */
export function readFrames(data: Buffer, onRecord?: (record: CommitRecord) => void): ReadFrames {
  const records: CommitRecord[] = [];
  let offset = 0;
  while (offset < data.length) {
    const problem = frameProblem(data, offset);
    if (problem !== undefined) {
      return {
        records,
        validBytes: offset,
        stoppedBecause: problem,
        damagedBeforeEnd: validFrameFollows(data, offset),
      };
    }
    const length = data.readUInt32LE(offset);
    const payload = data.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length);
    const record = parseRecord(payload);
    if (record === undefined) return { records, validBytes: offset, stoppedBecause: "unparsable record" };
    if (onRecord === undefined) records.push(record);
    else onRecord(record);
    offset += HEADER_BYTES + length;
  }
  return { records, validBytes: offset };
}

/** True when the bad frame at `offset` has an intact length and a valid frame right after it. */
function validFrameFollows(data: Buffer, offset: number): boolean {
  if (data.length - offset < HEADER_BYTES) return false;
  const next = offset + HEADER_BYTES + data.readUInt32LE(offset);
  return next < data.length && frameProblem(data, next) === undefined;
}

function frameProblem(data: Buffer, offset: number): string | undefined {
  if (data.length - offset < HEADER_BYTES) return "incomplete header";
  const length = data.readUInt32LE(offset);
  if (length === 0 || length > MAX_RECORD_BYTES) return `impossible record length ${length}`;
  if (data.length - offset - HEADER_BYTES < length) return "incomplete record";
  const payload = data.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length);
  if (crc32(payload) !== data.readUInt32LE(offset + 4)) return "checksum mismatch";
  return undefined;
}

function parseRecord(payload: Buffer): CommitRecord | undefined {
  try {
    const value = JSON.parse(payload.toString("utf8")) as CommitRecord;
    return Number.isSafeInteger(value.r) && Array.isArray(value.o) ? value : undefined;
  } catch {
    return undefined;
  }
}
