import * as http2 from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import { PredictRequestSchema } from "@modelmesh/proto";

// A plain node:http2 gRPC client for relay tests and benchmarks: many unary calls whose answers
// are read as they arrive (not kept) and checked whole. h2load only checks the HTTP status, and
// a cut answer with grpc-status 0 looks fine there.

/** The example runtime's unary predict method. */
export const PREDICT_PATH = "/mmesh.ExamplePredictor/predict";

/** A framed (5-byte gRPC prefix) PredictRequest whose text asks the example runtime for an `answerBytes` answer. */
export function sizedAnswerRequest(answerBytes: number): Buffer {
  const message = toBinary(
    PredictRequestSchema,
    create(PredictRequestSchema, { text: `test:answer-bytes:${answerBytes}` }),
  );
  const framed = Buffer.alloc(5 + message.length);
  framed.writeUInt32BE(message.length, 1);
  framed.set(message, 5);
  return framed;
}

/** Request headers of a gRPC call to `path` for `modelId`. */
export function callHeaders(modelId: string, path = PREDICT_PATH): http2.OutgoingHttpHeaders {
  return {
    ":method": "POST",
    ":path": path,
    "content-type": "application/grpc",
    te: "trailers",
    "mm-model-id": modelId,
  };
}

/** Opens an HTTP/2 connection for a test client; its errors end its calls, never the test process. */
export function connect(port: number, settings: http2.Settings = {}): http2.ClientHttp2Session {
  const session = http2.connect(`http://127.0.0.1:${port}`, { settings });
  session.on("error", () => {});
  return session;
}

/** How one call ended, as the client saw it. */
export interface CallOutcome {
  /** `grpc-status` of the trailers (or of a trailers-only answer); undefined when none came. */
  readonly status: string | undefined;
  /** True when the body was exactly one whole gRPC message of at least the expected size. */
  readonly complete: boolean;
  /** RST_STREAM code the stream closed with (0 for a normal end). */
  readonly rstCode: number | undefined;
  /** Response body bytes received. */
  readonly bytes: number;
}

/**
 * One unary call on `session`, reading the answer as it arrives without keeping it: counts the
 * body bytes and checks they make one whole message of at least `minMessageBytes`.
 */
export function unaryCall(
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
  body: Buffer,
  minMessageBytes: number,
): Promise<CallOutcome> {
  return new Promise((resolve) => {
    const stream = session.request(headers);
    let received = 0;
    let declared = -1;
    let prefix = Buffer.alloc(0);
    let status: string | undefined;
    stream.on("response", (h) => {
      if (h["grpc-status"] !== undefined) status = String(h["grpc-status"]);
    });
    stream.on("data", (chunk: Buffer) => {
      if (declared < 0) {
        prefix = Buffer.concat([prefix, chunk.subarray(0, 5 - prefix.length)]);
        if (prefix.length === 5) declared = prefix.readUInt32BE(1);
      }
      received += chunk.length;
    });
    stream.on("trailers", (t) => {
      status = String(t["grpc-status"]);
    });
    stream.on("error", () => {});
    stream.on("close", () =>
      resolve({
        status,
        complete: declared >= minMessageBytes && received === 5 + declared,
        rstCode: stream.rstCode,
        bytes: received,
      }),
    );
    stream.end(body);
  });
}

/** What a batch of calls gave: how many ended OK with a whole answer, and the others by outcome. */
export interface BatchOutcome {
  readonly complete: number;
  readonly others: Readonly<Record<string, number>>;
  /** Response body bytes received by all the calls. */
  readonly bytes: number;
}

/**
 * Makes `count` calls to `port` over `connections` connections with `streams` calls in flight on
 * each, and tallies their outcomes.
 */
export async function callBatch(
  port: number,
  options: {
    readonly count: number;
    readonly connections: number;
    readonly streams: number;
    readonly headers: http2.OutgoingHttpHeaders;
    readonly body: Buffer;
    readonly minMessageBytes: number;
  },
): Promise<BatchOutcome> {
  const sessions = Array.from({ length: options.connections }, () => connect(port));
  let started = 0;
  let complete = 0;
  let bytes = 0;
  const others: Record<string, number> = {};
  const worker = async (session: http2.ClientHttp2Session) => {
    while (started < options.count) {
      started++;
      const outcome = await unaryCall(session, options.headers, options.body, options.minMessageBytes);
      bytes += outcome.bytes;
      if (outcome.status === "0" && outcome.complete) {
        complete++;
      } else {
        const key = `status ${outcome.status} rst ${outcome.rstCode} complete ${outcome.complete}`;
        others[key] = (others[key] ?? 0) + 1;
      }
    }
  };
  try {
    await Promise.all(sessions.flatMap((s) => Array.from({ length: options.streams }, () => worker(s))));
  } finally {
    for (const session of sessions) session.close();
  }
  return { complete, others, bytes };
}
