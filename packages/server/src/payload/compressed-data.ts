import { promisify } from "node:util";
import { gunzip, inflate } from "node:zlib";

/** One gRPC message as framed on the wire: its bytes and whether its compressed flag was set. */
export interface FramedMessage {
  readonly bytes: Buffer;
  readonly compressed: boolean;
}

/** Messages of a payload some of which are compressed with `encoding` (the `grpc-encoding` header). */
export interface CompressedData {
  readonly encoding: string;
  readonly messages: readonly FramedMessage[];
}

type Inflater = (data: Buffer, options: { maxOutputLength: number }) => Promise<Buffer>;

// gRPC's `gzip`, and `deflate` as gRPC defines it (zlib-wrapped).
const inflaters: Readonly<Record<string, Inflater>> = {
  gzip: promisify(gunzip) as Inflater,
  deflate: promisify(inflate) as Inflater,
};

/**
 * The uncompressed bytes of `data`'s messages, concatenated, each at most `maxBytes` once
 * inflated. Runs on the payload workers, never on the inference path. Undefined when the encoding
 * is not gzip or deflate, a message does not inflate, or it inflates beyond `maxBytes`.
 */
export async function inflateMessages(data: CompressedData, maxBytes: number): Promise<Buffer | undefined> {
  const inflater = inflaters[data.encoding.toLowerCase()];
  const parts: Buffer[] = [];
  for (const message of data.messages) {
    if (!message.compressed) {
      parts.push(message.bytes);
      continue;
    }
    if (inflater === undefined) return undefined;
    try {
      parts.push(await inflater(message.bytes, { maxOutputLength: maxBytes }));
    } catch {
      return undefined;
    }
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}
