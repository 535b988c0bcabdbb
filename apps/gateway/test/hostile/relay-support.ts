import { readFileSync } from "node:fs";
import * as http2 from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import { PredictRequestSchema } from "@modelmesh/proto";
import { waitUntil } from "@modelmesh/testkit/wait-until";

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
      }),
    );
    stream.end(body);
  });
}

/** What a batch of calls gave: how many ended OK with a whole answer, and the others by outcome. */
export interface BatchOutcome {
  readonly complete: number;
  readonly others: Readonly<Record<string, number>>;
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
  const others: Record<string, number> = {};
  const worker = async (session: http2.ClientHttp2Session) => {
    while (started < options.count) {
      started++;
      const outcome = await unaryCall(session, options.headers, options.body, options.minMessageBytes);
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
  return { complete, others };
}

/** Resident set size of a process now (`VmRSS`), bytes. */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (match === null) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

/**
 * The smallest resident set size of a process over `windowMs` of samples, bytes: V8 and the
 * allocator hand memory back lazily, so the minimum of a short window is the steadier figure.
 */
export async function settledRssBytes(pid: number, windowMs = 1500): Promise<number> {
  let smallest = rssBytes(pid);
  const until = Date.now() + windowMs;
  while (Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    smallest = Math.min(smallest, rssBytes(pid));
  }
  return smallest;
}

/** CPU time (user + system) a process has used, in clock ticks, from `/proc/<pid>/stat`. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * Waits until a process has used no CPU for `quietMs`: the work the calls made so far gave it
 * (receiving and relaying their answers) is done.
 */
export async function waitForQuiet(pid: number, quietMs = 500, timeoutMs = 60_000): Promise<void> {
  let last = cpuTicks(pid);
  let quietSince = Date.now();
  await waitUntil(
    () => {
      const now = cpuTicks(pid);
      if (now !== last) {
        last = now;
        quietSince = Date.now();
        return false;
      }
      return Date.now() - quietSince >= quietMs;
    },
    { timeoutMs, intervalMs: 100, description: `process ${pid} to go quiet for ${quietMs} ms` },
  );
}

/** 1 MiB. */
export const MiB = 1024 * 1024;
