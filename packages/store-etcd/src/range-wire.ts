import type { KvEntry } from "@modelmesh/core";

/**
 * The protobuf wire format of etcd's `KV.Range` call, for the one read that moves a whole table:
 * a mirror's snapshot. Decoding a response straight into the port's entries skips the generic
 * client's per-key objects (two buffer views, four 64-bit integers as strings, defaults), which
 * was a fifth of the time of reading a 100,000-record table. Field numbers: etcd's `rpc.proto`
 * (`RangeRequest`, `RangeResponse`, `ResponseHeader`) and `kv.proto` (`KeyValue`).
 */

/** The parts of a `RangeRequest` the adapter sends. */
export interface RangeWireRequest {
  readonly key: Buffer;
  readonly rangeEnd: Buffer;
  readonly limit: number;
  /** 0: the newest revision. */
  readonly revision: number;
}

/**
 * One page of a range read: its header fields and where its key-values are in the message; the
 * entries themselves are decoded by {@link RangeWirePage.decodeEntries} (after the next page has
 * been asked for).
 */
export interface RangeWirePage {
  /** The store revision the page was read at. */
  readonly revision: number;
  /** More keys follow in the requested range. */
  readonly more: boolean;
  /** The raw etcd key of the last entry (a copy), to start the next page after it. */
  readonly lastKey: Buffer | undefined;
  /** Appends the page's entries to `into`. */
  decodeEntries(into: KvEntry[]): void;
  /** The page's entries, decoded one by one as they are iterated. */
  entries(): IterableIterator<KvEntry>;
}

/** A range response that cannot be decoded (truncated or malformed). */
export class RangeWireError extends RangeError {
  override readonly name = "RangeWireError";
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

/** Encodes a `RangeRequest` with key (1), range_end (2), limit (3) and revision (4, when set). */
export function encodeRangeRequest(request: RangeWireRequest): Buffer {
  const parts: number[] = [];
  const bytesField = (field: number, value: Buffer) => {
    parts.push((field << 3) | WIRE_BYTES);
    pushVarint(parts, value.length);
    for (const byte of value) parts.push(byte);
  };
  bytesField(1, request.key);
  bytesField(2, request.rangeEnd);
  if (request.limit > 0) {
    parts.push((3 << 3) | WIRE_VARINT);
    pushVarint(parts, request.limit);
  }
  if (request.revision > 0) {
    parts.push((4 << 3) | WIRE_VARINT);
    pushVarint(parts, request.revision);
  }
  return Buffer.from(parts);
}

function pushVarint(out: number[], value: number): void {
  let rest = value;
  while (rest > 0x7f) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
}

/**
 * Reads a `RangeResponse`'s header revision, `more` flag and the positions of its key-values.
 * Entries: keys lose their first `keyOffset` bytes (the root prefix) and are read as UTF-8, values
 * as UTF-8, revisions as numbers, exactly as the generic client's conversion did. Throws on a
 * malformed message.
 */
export function scanRangeResponse(message: Buffer, keyOffset: number): RangeWirePage {
  const reader = new WireReader(message);
  // Start and end offsets of each KeyValue message, in pairs.
  const spans: number[] = [];
  let revision = 0;
  let more = false;
  while (reader.pos < reader.end) {
    const tag = reader.varint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 1 && wire === WIRE_BYTES) {
      revision = decodeHeaderRevision(reader.slice());
    } else if (field === 2 && wire === WIRE_BYTES) {
      const length = reader.varint();
      const end = reader.check(reader.pos + length);
      spans.push(reader.pos, end);
      reader.pos = end;
    } else if (field === 3 && wire === WIRE_VARINT) {
      more = reader.varint() !== 0;
    } else {
      reader.skip(wire);
    }
  }
  const lastStart = spans.at(-2);
  const lastEnd = spans.at(-1);
  let lastKey: Buffer | undefined;
  if (lastStart !== undefined && lastEnd !== undefined) {
    const last = decodeKeyValue(message, lastStart, lastEnd, keyOffset);
    lastKey = Buffer.from(message.subarray(last.keyStart, last.keyEnd));
  }
  return {
    revision,
    more,
    lastKey,
    decodeEntries(into) {
      for (let i = 0; i < spans.length; i += 2)
        into.push(decodeKeyValue(message, spans[i] as number, spans[i + 1] as number, keyOffset).entry);
    },
    *entries() {
      for (let i = 0; i < spans.length; i += 2)
        yield decodeKeyValue(message, spans[i] as number, spans[i + 1] as number, keyOffset).entry;
    },
  };
}

/** `ResponseHeader.revision` (field 3). */
function decodeHeaderRevision(header: WireReader): number {
  let revision = 0;
  while (header.pos < header.end) {
    const tag = header.varint();
    if (tag === ((3 << 3) | WIRE_VARINT)) revision = header.varint();
    else header.skip(tag % 8);
  }
  return revision;
}

function decodeKeyValue(
  message: Buffer,
  start: number,
  end: number,
  keyOffset: number,
): { entry: KvEntry; keyStart: number; keyEnd: number } {
  const reader = new WireReader(message, start, end);
  let keyStart = start;
  let keyEnd = start;
  let valueStart = start;
  let valueEnd = start;
  let createRevision = 0;
  let modRevision = 0;
  while (reader.pos < reader.end) {
    const tag = reader.varint();
    switch (tag) {
      case (1 << 3) | WIRE_BYTES: {
        const length = reader.varint();
        keyStart = reader.pos;
        keyEnd = reader.check(keyStart + length);
        reader.pos = keyEnd;
        break;
      }
      case (2 << 3) | WIRE_VARINT:
        createRevision = reader.varint();
        break;
      case (3 << 3) | WIRE_VARINT:
        modRevision = reader.varint();
        break;
      case (5 << 3) | WIRE_BYTES: {
        const length = reader.varint();
        valueStart = reader.pos;
        valueEnd = reader.check(valueStart + length);
        reader.pos = valueEnd;
        break;
      }
      default:
        reader.skip(tag % 8);
    }
  }
  return {
    entry: {
      key: message.toString("utf8", Math.min(keyStart + keyOffset, keyEnd), keyEnd),
      value: message.toString("utf8", valueStart, valueEnd),
      modRevision,
      createRevision,
    },
    keyStart,
    keyEnd,
  };
}

/** A cursor over protobuf fields in `buffer[pos, end)`. */
class WireReader {
  pos: number;
  readonly end: number;
  readonly #buffer: Buffer;

  constructor(buffer: Buffer, start = 0, end = buffer.length) {
    this.#buffer = buffer;
    this.pos = start;
    this.end = end;
  }

  /** A varint as a number (exact up to 2^53, which etcd's revisions and lengths stay below). */
  varint(): number {
    const buffer = this.#buffer;
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RangeWireError("truncated etcd range response");
      const byte = buffer[this.pos++] as number;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 0x80;
    }
    throw new RangeWireError("malformed varint in etcd range response");
  }

  /** A length-delimited field's content, as a reader of its own. */
  slice(): WireReader {
    const length = this.varint();
    const end = this.check(this.pos + length);
    const inner = new WireReader(this.#buffer, this.pos, end);
    this.pos = end;
    return inner;
  }

  /** Skips a field's content of the given wire type. */
  skip(wire: number): void {
    if (wire === WIRE_VARINT) this.varint();
    else if (wire === WIRE_FIXED64) this.pos = this.check(this.pos + 8);
    else if (wire === WIRE_BYTES) this.pos = this.check(this.pos + this.varint());
    else if (wire === WIRE_FIXED32) this.pos = this.check(this.pos + 4);
    else throw new RangeWireError(`unsupported wire type ${wire} in etcd range response`);
  }

  /** Returns `end` if it is within bounds. */
  check(end: number): number {
    if (end > this.end) throw new RangeWireError("truncated etcd range response");
    return end;
  }
}
