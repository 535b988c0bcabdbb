import { connect, type Socket } from "node:net";
import { waitUntil } from "@modelmesh/testkit/wait-until";

/** The client connection preface every HTTP/2 connection with prior knowledge starts with. */
export const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

/** HTTP/2 frame types (RFC 9113 section 6). */
export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

/** Frame flags used by these tests. */
export const Flag = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4 } as const;

/** HTTP/2 error codes (RFC 9113 section 7). */
export const H2Error = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  ENHANCE_YOUR_CALM: 0xb,
} as const;

/** One frame: a 9-byte header (24-bit length, type, flags, 31-bit stream id) and its payload. */
export function frame(
  type: number,
  flags: number,
  streamId: number,
  payload: Buffer = Buffer.alloc(0),
): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([header, payload]);
}

/** A SETTINGS frame with `[id, value]` entries. */
export function settings(entries: readonly (readonly [number, number])[] = []): Buffer {
  const payload = Buffer.alloc(entries.length * 6);
  entries.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, i * 6);
    payload.writeUInt32BE(value, i * 6 + 2);
  });
  return frame(FrameType.SETTINGS, 0, 0, payload);
}

/** The acknowledgement of the server's SETTINGS. */
export const settingsAck = (): Buffer => frame(FrameType.SETTINGS, Flag.ACK, 0);

/** An HPACK integer with an `prefixBits`-bit prefix whose high bits are `first` (RFC 7541 5.1). */
function hpackInt(value: number, prefixBits: number, first: number): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([first | value]);
  const bytes = [first | max];
  let rest = value - max;
  while (rest >= 128) {
    bytes.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/** A header block of literal fields without indexing and without Huffman coding (RFC 7541 6.2.2). */
export function hpack(headers: readonly (readonly [string, string])[]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of headers) {
    const n = Buffer.from(name);
    const v = Buffer.from(value);
    parts.push(Buffer.from([0x00]), hpackInt(n.length, 7, 0), n, hpackInt(v.length, 7, 0), v);
  }
  return Buffer.concat(parts);
}

/** Largest frame payload a peer accepts before it raises SETTINGS_MAX_FRAME_SIZE. */
export const DEFAULT_MAX_FRAME_BYTES = 16_384;

/**
 * A header block as one HEADERS frame, followed by CONTINUATION frames when it is larger than
 * the default frame size (as a real client sends it).
 */
export function headers(
  streamId: number,
  fields: readonly (readonly [string, string])[],
  options: { endStream?: boolean } = {},
): Buffer {
  const block = hpack(fields);
  const frames: Buffer[] = [];
  for (let offset = 0; offset === 0 || offset < block.length; offset += DEFAULT_MAX_FRAME_BYTES) {
    const chunk = block.subarray(offset, offset + DEFAULT_MAX_FRAME_BYTES);
    const last = offset + DEFAULT_MAX_FRAME_BYTES >= block.length;
    const type = offset === 0 ? FrameType.HEADERS : FrameType.CONTINUATION;
    const endStream = offset === 0 && options.endStream ? Flag.END_STREAM : 0;
    frames.push(frame(type, endStream | (last ? Flag.END_HEADERS : 0), streamId, chunk));
  }
  return Buffer.concat(frames);
}

/** A DATA frame. */
export function data(streamId: number, payload: Buffer, endStream = false): Buffer {
  return frame(FrameType.DATA, endStream ? Flag.END_STREAM : 0, streamId, payload);
}

/** A gRPC length-prefixed message (uncompressed). */
export function grpcMessage(body: Buffer): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(body.length, 1);
  return Buffer.concat([prefix, body]);
}

/** Request headers of a gRPC call to `path` (plus `extra`). */
export function grpcRequestHeaders(path: string, extra: readonly (readonly [string, string])[] = []) {
  return [
    [":method", "POST"],
    [":scheme", "http"],
    [":path", path],
    [":authority", "localhost"],
    ["content-type", "application/grpc"],
    ["te", "trailers"],
    ...extra,
  ] as const;
}

/** A frame read back from the server. */
export interface ReadFrame {
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  readonly payload: Buffer;
}

/** A raw TCP client that collects the frames the server sends (after any non-HTTP/2 bytes). */
export interface RawH2 {
  readonly socket: Socket;
  readonly frames: ReadFrame[];
  /** True once the socket closed (either side). */
  closed(): boolean;
  /** The error the socket saw, if any. */
  error(): Error | undefined;
  /** The server's GOAWAY, if one arrived: its error code. */
  goawayCode(): number | undefined;
  /** RST_STREAM error codes by stream id. */
  resets(): Map<number, number>;
  /** Stream ids for which the server sent HEADERS. */
  answered(): Set<number>;
  write(bytes: Buffer): void;
}

/** Connects to `port` on loopback and resolves once connected; every error is kept, never thrown. */
export function rawConnect(port: number): Promise<RawH2> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" });
    const frames: ReadFrame[] = [];
    let buffer = Buffer.alloc(0);
    let isClosed = false;
    let lastError: Error | undefined;
    socket.on("error", (error) => {
      lastError = error;
    });
    socket.on("close", () => {
      isClosed = true;
    });
    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 9) {
        const length = buffer.readUIntBE(0, 3);
        if (buffer.length < 9 + length) break;
        frames.push({
          type: buffer[3] ?? 0,
          flags: buffer[4] ?? 0,
          streamId: buffer.readUInt32BE(5) & 0x7fffffff,
          payload: buffer.subarray(9, 9 + length),
        });
        buffer = buffer.subarray(9 + length);
      }
    });
    socket.once("connect", () =>
      resolve({
        socket,
        frames,
        closed: () => isClosed,
        error: () => lastError,
        goawayCode: () => {
          const goaway = frames.find((f) => f.type === FrameType.GOAWAY);
          return goaway?.payload.readUInt32BE(4);
        },
        resets: () =>
          new Map(
            frames
              .filter((f) => f.type === FrameType.RST_STREAM)
              .map((f) => [f.streamId, f.payload.readUInt32BE(0)]),
          ),
        answered: () => new Set(frames.filter((f) => f.type === FrameType.HEADERS).map((f) => f.streamId)),
        write: (bytes) => {
          if (!socket.destroyed) socket.write(bytes);
        },
      }),
    );
    socket.once("error", reject);
  });
}

/** A PING frame (8 bytes of opaque data). */
export function ping(opaque = 0): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(opaque, 4);
  return frame(FrameType.PING, 0, 0, payload);
}

/** True once the server acknowledged a PING. */
export function pingAcked(conn: RawH2): boolean {
  return conn.frames.some((f) => f.type === FrameType.PING && (f.flags & Flag.ACK) !== 0);
}

/** True once the server sent its SETTINGS and acknowledged the client's. */
export function handshakeDone(conn: RawH2): boolean {
  const settingsFrames = conn.frames.filter((f) => f.type === FrameType.SETTINGS);
  return settingsFrames.some((f) => f.flags === 0) && settingsFrames.some((f) => (f.flags & Flag.ACK) !== 0);
}

/** A raw HTTP/2 connection that has finished the handshake (both SETTINGS acknowledged). */
export async function handshaken(port: number): Promise<RawH2> {
  const conn = await rawConnect(port);
  conn.write(Buffer.concat([PREFACE, settings()]));
  await waitUntil(() => conn.frames.some((f) => f.type === FrameType.SETTINGS && f.flags === 0), {
    description: "server SETTINGS",
  });
  conn.write(settingsAck());
  await waitUntil(() => handshakeDone(conn), { description: "SETTINGS ACK" });
  return conn;
}
