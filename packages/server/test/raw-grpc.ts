import { connect, type IncomingHttpHeaders } from "node:http2";

/** The answer of a raw gRPC call. */
export interface RawAnswer {
  readonly headers: IncomingHttpHeaders;
  readonly trailers: IncomingHttpHeaders;
  /** Message payloads (length prefixes removed). */
  readonly messages: Buffer[];
  /** grpc-status from the trailers, or the headers of a trailers-only answer. */
  readonly status: number;
  readonly message: string;
}

/** Frames one message with the gRPC length prefix. */
export function frame(message: Uint8Array): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

function unframe(body: Buffer): Buffer[] {
  const messages: Buffer[] = [];
  for (let i = 0; i + 5 <= body.length; ) {
    const length = body.readUInt32BE(i + 1);
    messages.push(body.subarray(i + 5, i + 5 + length));
    i += 5 + length;
  }
  return messages;
}

/**
 * Makes one gRPC call over plain HTTP/2 with any body (several messages for client streaming,
 * oversized ones), returning headers, messages and status.
 */
export function rawGrpcCall(args: {
  readonly port: number;
  readonly path: string;
  readonly headers?: Record<string, string | string[]>;
  readonly body: readonly Buffer[];
}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://127.0.0.1:${args.port}`);
    session.on("error", reject);
    const stream = session.request({
      ":method": "POST",
      ":path": args.path,
      "content-type": "application/grpc",
      te: "trailers",
      ...args.headers,
    });
    let headers: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on("response", (h) => {
      headers = h;
    });
    stream.on("trailers", (t) => {
      trailers = t;
    });
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", () => undefined);
    stream.on("close", () => {
      session.close();
      const source = trailers["grpc-status"] === undefined ? headers : trailers;
      resolve({
        headers,
        trailers,
        messages: unframe(Buffer.concat(chunks)),
        status: Number(source["grpc-status"] ?? -1),
        message: decodeURIComponent(String(source["grpc-message"] ?? "")),
      });
    });
    for (const part of args.body) stream.write(part);
    stream.end();
  });
}
