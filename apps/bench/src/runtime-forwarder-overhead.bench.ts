import * as http2 from "node:http2";
import { connect as connectSocket } from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import { PredictRequestSchema } from "@modelmesh/proto";
import {
  connectRuntime,
  forwardAndCollect,
  type GrpcForwarder,
  runtimeRequestHeaders,
} from "@modelmesh/runtime-client";
import { startExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { reportResults } from "./lib/report.js";

// The forwarder's own cost per call, without the extra HTTP/2 hop the h2load comparison
// (runtime-forwarder.bench.ts) also pays for: the same unary ExamplePredictor/predict calls from
// this process to the example runtime, one at a time, (a) with a bare node:http2 client doing
// the least a pass-through must do (send headers and bytes, gather body and trailers) and (b)
// through GrpcForwarder with runtimeRequestHeaders. The clients alternate call by call.
const rounds = Number(process.env.BENCH_ROUNDS ?? 6);
const callsPerRound = Number(process.env.BENCH_CALLS ?? 2000);
const path = "/mmesh.ExamplePredictor/predict";
const modelId = "bench-echo";

function framedRequest(): Buffer {
  const message = toBinary(PredictRequestSchema, create(PredictRequestSchema, { text: "hello mesh" }));
  const body = Buffer.alloc(5 + message.length);
  body.writeUInt32BE(message.length, 1);
  body.set(message, 5);
  return body;
}

/** One call with a bare client session: resolves on the trailers with the gRPC status. */
function bareCall(session: http2.ClientHttp2Session, body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc",
      te: "trailers",
      "mm-model-id": modelId,
    });
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("trailers", (trailers) => resolve(String(trailers["grpc-status"])));
    stream.on("error", reject);
    stream.end(body);
  });
}

async function forwardedCall(forwarder: GrpcForwarder, body: Buffer): Promise<string> {
  const response = await forwardAndCollect(forwarder, {
    path,
    headers: runtimeRequestHeaders({ "content-type": "application/grpc" }, modelId),
    body,
  });
  return String(response.trailers["grpc-status"]);
}

interface Sample {
  readonly latenciesUs: number[];
  cpuUs: number;
}

const newSample = (): Sample => ({ latenciesUs: [], cpuUs: 0 });

async function timeCall(sample: Sample, call: () => Promise<string>): Promise<void> {
  const cpuBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  const status = await call();
  sample.latenciesUs.push(Number(process.hrtime.bigint() - start) / 1000);
  const cpu = process.cpuUsage(cpuBefore);
  sample.cpuUs += cpu.user + cpu.system;
  if (status !== "0") throw new Error(`call answered grpc-status ${status}`);
}

/** One round: the two clients take turns call by call, so load changes on the machine hit both alike. */
async function round(samples: { bare: Sample; forwarded: Sample }): Promise<void> {
  for (let i = 0; i < callsPerRound; i++) {
    await timeCall(samples.bare, () => bareCall(session, body));
    await timeCall(samples.forwarded, () => forwardedCall(connection.forwarder, body));
  }
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;

const runtime = await startExampleRuntime({ name: "bench-overhead-runtime", port: "free" });
const port = runtime.port ?? 0;
const connection = await connectRuntime({ port, host: "127.0.0.1", startupPollIntervalMs: 50 });
await connection.models.loadModel({ modelId, modelType: "example", modelPath: "SIZE_1000_0_0" });
const session = http2.connect(`http://127.0.0.1:${port}`, {
  createConnection: () => connectSocket({ host: "127.0.0.1", port, noDelay: true }),
});
const body = framedRequest();
const samples = { bare: newSample(), forwarded: newSample() };
await round({ bare: newSample(), forwarded: newSample() }); // warm-up
for (let r = 0; r < rounds; r++) await round(samples);
const { bare, forwarded } = samples;

const summarise = (name: string, s: Sample) => {
  const sorted = [...s.latenciesUs].sort((a, b) => a - b);
  return { name, p50: percentile(sorted, 50), p99: percentile(sorted, 99), cpu: s.cpuUs / sorted.length };
};
const a = summarise("bare node:http2 client", bare);
const b = summarise("GrpcForwarder", forwarded);
const fmt = (n: number) => n.toFixed(1);
reportResults(
  "runtime-forwarder-overhead",
  [
    {
      client: a.name,
      calls: bare.latenciesUs.length,
      "p50 µs": fmt(a.p50),
      "p99 µs": fmt(a.p99),
      "CPU µs/call": fmt(a.cpu),
    },
    {
      client: b.name,
      calls: forwarded.latenciesUs.length,
      "p50 µs": fmt(b.p50),
      "p99 µs": fmt(b.p99),
      "CPU µs/call": fmt(b.cpu),
    },
    {
      client: "forwarder overhead",
      calls: "",
      "p50 µs": fmt(b.p50 - a.p50),
      "p99 µs": "",
      "CPU µs/call": fmt(b.cpu - a.cpu),
    },
  ],
  [
    `Sequential unary mmesh.ExamplePredictor/predict calls (one in flight) from this process to the example runtime ` +
      `over one loopback TCP HTTP/2 connection each; the clients alternate call by call, ${rounds} × ${callsPerRound} calls each.`,
    "'forwarder overhead' = forwarder minus bare client: the per-call cost of GrpcForwarder itself (header " +
      "filtering and id headers, call state, deadline/cancel wiring, message-size scan). Target ≤ 50 µs at p50.",
    "'CPU µs/call' is this process's CPU time per call (the runtime runs in its own process).",
  ],
);

session.close();
connection.close();
await stopAllProcesses();
