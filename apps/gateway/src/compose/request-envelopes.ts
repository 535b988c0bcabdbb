import { Code, ConnectError } from "@connectrpc/connect";

// gRPC and gRPC-Web frame each message as: 1 flag byte, a 4-byte big-endian length, the bytes.
const PREFIX_BYTES = 5;
// gRPC-Web marks its trailers frame with this flag; requests never carry one.
const TRAILER_FLAG = 0x80;

/**
 * Passes a gRPC / gRPC-Web request body through unchanged while checking that it holds exactly
 * one message, as a unary (or server-streaming) method needs: an empty body, a trailers frame,
 * or a second message is a malformed request (INVALID_ARGUMENT naming the problem) rather than
 * an "unimplemented" method. Only the 5-byte prefixes are read; nothing is buffered here, and
 * incomplete frames and size limits are left to Connect.
 */
export async function* requireOneMessage(
  body: AsyncIterable<Uint8Array>,
  method: string,
): AsyncGenerator<Uint8Array> {
  let messages = 0;
  // Bytes of the current frame still to skip, and the prefix read so far.
  let skip = 0;
  const prefix = new Uint8Array(PREFIX_BYTES);
  let prefixLength = 0;
  for await (const chunk of body) {
    let offset = 0;
    while (offset < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - offset);
        skip -= n;
        offset += n;
        continue;
      }
      prefix[prefixLength++] = chunk[offset++] as number;
      if (prefixLength < PREFIX_BYTES) continue;
      prefixLength = 0;
      const flags = prefix[0] as number;
      if ((flags & TRAILER_FLAG) !== 0) {
        throw new ConnectError(
          `malformed request body for ${method}: a trailers frame (flag 0x80) is not allowed in a request`,
          Code.InvalidArgument,
        );
      }
      messages++;
      if (messages > 1) {
        throw new ConnectError(
          `malformed request body for ${method}: more than one message; this method takes exactly one`,
          Code.InvalidArgument,
        );
      }
      skip = new DataView(prefix.buffer).getUint32(1);
    }
    yield chunk;
  }
  if (messages === 0 && prefixLength === 0) {
    throw new ConnectError(
      `malformed request body for ${method}: no message; this method takes exactly one`,
      Code.InvalidArgument,
    );
  }
}
