import { gunzipSync, inflateSync } from "node:zlib";
import { MeshError } from "@modelmesh/core";

/** The request's single gRPC frame as one buffer (prefix and message). */
export function wholeFrame(frames: readonly Buffer[]): Buffer {
  return frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames);
}

/** Message encodings (`grpc-encoding`) the mesh can read: gzip, and zlib-wrapped deflate as gRPC defines it. */
const inflaters: Readonly<Record<string, (data: Uint8Array, maxOutputLength: number) => Buffer>> = {
  gzip: (data, maxOutputLength) => gunzipSync(data, { maxOutputLength }),
  deflate: (data, maxOutputLength) => inflateSync(data, { maxOutputLength }),
};

/**
 * The uncompressed bytes of the message in a request's single gRPC frame, for reading or
 * rewriting a field: the frame's own bytes when its compressed flag is 0; inflated, at most
 * `maxMessageBytes`, when the flag is 1 and `encoding` (the `grpc-encoding` header) is gzip or
 * deflate. `undefined` when the frame is cut short or compressed another way (the call is then
 * passed on as it is). Throws CAPACITY_EXHAUSTED (RESOURCE_EXHAUSTED) when the message inflates
 * beyond the limit and INTERNAL when it does not inflate, as gRPC prescribes for both.
 */
export function plainMessage(
  frame: Buffer,
  encoding: string | undefined,
  maxMessageBytes: number,
): Uint8Array | undefined {
  if (frame.length < 5) return undefined;
  const message = frame.subarray(5, 5 + frame.readUInt32BE(1));
  if (frame[0] === 0) return message;
  const inflate = frame[0] === 1 && encoding !== undefined ? inflaters[encoding.toLowerCase()] : undefined;
  if (inflate === undefined) return undefined;
  try {
    return inflate(message, maxMessageBytes);
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new MeshError(
        "CAPACITY_EXHAUSTED",
        `gRPC message exceeds maximum size ${maxMessageBytes} once decompressed (${encoding})`,
        { cause: error },
      );
    }
    throw new MeshError("INTERNAL", `Could not decompress the request message (${encoding})`, {
      cause: error,
    });
  }
}

/** A single uncompressed gRPC frame (flag 0) holding `message`, as a prefix and the message. */
export function uncompressedFrame(message: Uint8Array): Buffer[] {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return [prefix, Buffer.from(message.buffer, message.byteOffset, message.byteLength)];
}
