import * as http2 from "node:http2";
import { connect as connectSocket } from "node:net";
import { type Client, type Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { ExamplePredictor, GRPCInferenceService, ModelRuntime } from "@modelmesh/proto";

/** Typed gRPC clients for one example runtime endpoint, and a raw HTTP/2 call for extra methods. */
export interface RuntimeClients {
  readonly runtime: Client<typeof ModelRuntime>;
  readonly predictor: Client<typeof ExamplePredictor>;
  readonly inference: Client<typeof GRPCInferenceService>;
  /** One raw gRPC call: framed request in, every response frame's payload and the status out. */
  raw(path: string, message: Uint8Array, headers?: http2.OutgoingHttpHeaders): Promise<RawResult>;
  close(): void;
}

export interface RawResult {
  readonly messages: Buffer[];
  readonly status: number;
  readonly message: string;
}

/** Clients for `{ port }` (TCP on 127.0.0.1) or `{ socket }` (Unix socket). */
export function clientsFor(address: {
  port?: number | undefined;
  socket?: string | undefined;
}): RuntimeClients {
  const socket = address.socket;
  const url = socket === undefined ? `http://127.0.0.1:${address.port}` : "http://localhost";
  const nodeOptions = socket === undefined ? {} : { createConnection: () => connectSocket(socket) };
  const sessions = new Http2SessionManager(url, {}, nodeOptions);
  const transport = createGrpcTransport({ baseUrl: url, sessionManager: sessions });
  const rawSession = http2.connect(url, nodeOptions);
  rawSession.on("error", () => {});
  return {
    runtime: createClient(ModelRuntime, transport),
    predictor: createClient(ExamplePredictor, transport),
    inference: createClient(GRPCInferenceService, transport),
    raw: (path, message, headers = {}) => rawCall(rawSession, path, message, headers),
    close() {
      sessions.abort();
      rawSession.destroy();
    },
  };
}

function rawCall(
  session: http2.ClientHttp2Session,
  path: string,
  message: Uint8Array,
  headers: http2.OutgoingHttpHeaders,
): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc",
      te: "trailers",
      ...headers,
    });
    const chunks: Buffer[] = [];
    let status: http2.IncomingHttpHeaders = {};
    stream.on("response", (h) => {
      if (h["grpc-status"] !== undefined) status = h;
    });
    stream.on("trailers", (t) => {
      status = t;
    });
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("error", reject);
    stream.on("end", () => {
      const body = Buffer.concat(chunks);
      const messages: Buffer[] = [];
      for (let i = 0; i + 5 <= body.length; ) {
        const length = body.readUInt32BE(i + 1);
        messages.push(body.subarray(i + 5, i + 5 + length));
        i += 5 + length;
      }
      resolve({
        messages,
        status: Number(status["grpc-status"] ?? -1),
        message: decodeURIComponent(String(status["grpc-message"] ?? "")),
      });
    });
    const framed = Buffer.alloc(5 + message.length);
    framed.writeUInt32BE(message.length, 1);
    framed.set(message, 5);
    stream.end(framed);
  });
}

/** Reads the code and raw message a call failed with (fails the test if it did not fail). */
export async function codeOf(call: Promise<unknown>): Promise<{ code: Code; message: string }> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ConnectError)) throw new Error(`expected a ConnectError, got ${String(error)}`);
  return { code: error.code, message: error.rawMessage };
}
