import * as http2 from "node:http2";
import type { AddressInfo, ServerOpts } from "node:net";
import { availableParallelism } from "node:os";
import { create, toBinary } from "@bufbuild/protobuf";
import { PredictRequestSchema } from "@modelmesh/proto";
import {
  connectRuntime,
  forwardAndCollect,
  GrpcForwarder,
  grpcStatusOf,
  http2TargetFor,
  runtimeRequestHeaders,
} from "@modelmesh/runtime-client";
import { startExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { type H2loadResult, runH2load } from "./lib/h2load.js";
import { reportResults } from "./lib/report.js";

// Baseline for every later mesh figure: unary mmesh.ExamplePredictor/predict straight to the
// example runtime, and the same through the runtime client's data-plane forwarder in-process
// (a bare HTTP/2 server whose handler forwards each call), measured by the same h2load settings.
const durationS = Number(process.env.BENCH_DURATION_S ?? 5);
const warmUpS = 1;
const streamCounts = [1, 16, 64];
const path = "/mmesh.ExamplePredictor/predict";
const modelId = "bench-echo";
let forwardedCalls = 0;

function framedRequest(): Buffer {
  const message = toBinary(
    PredictRequestSchema,
    create(PredictRequestSchema, { modelName: modelId, text: "hello mesh" }),
  );
  const body = Buffer.alloc(5 + message.length);
  body.writeUInt32BE(message.length, 1);
  body.set(message, 5);
  return body;
}

/** The smallest gateway stand-in: read the request, forward it, relay headers, body and trailers. */
function startForwardingServer(forwarder: GrpcForwarder): Promise<http2.Http2Server> {
  // No Nagle, as a gRPC server (and the gateway) should.
  const options: http2.ServerOptions & ServerOpts = { noDelay: true };
  const server = http2.createServer(options);
  server.on("stream", (stream, headers) => {
    forwardedCalls++;
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => {
      const id = String(headers["mm-model-id"] ?? "");
      const call = forwarder.forward(
        {
          path: String(headers[":path"]),
          headers: runtimeRequestHeaders(headers, id),
          body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks),
        },
        {
          onHeaders(h) {
            if (stream.destroyed) return;
            stream.respond(
              { ":status": 200, "content-type": h["content-type"] ?? "application/grpc" },
              { waitForTrailers: true },
            );
          },
          onData(chunk) {
            if (!stream.destroyed) stream.write(chunk);
          },
          onTrailers(trailers) {
            if (stream.destroyed) return;
            stream.once("wantTrailers", () =>
              stream.sendTrailers({ "grpc-status": trailers["grpc-status"] ?? "0" }),
            );
            stream.end();
          },
          onError(error) {
            if (stream.destroyed) return;
            if (stream.headersSent) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
            else
              stream.respond(
                {
                  ":status": 200,
                  "content-type": "application/grpc",
                  "grpc-status": "13",
                  "grpc-message": encodeURIComponent(error.message),
                },
                { endStream: true },
              );
          },
        },
      );
      // The client went away (h2load closes its connection at the end of a run): cancel the call.
      stream.once("close", () => call.cancel());
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

const us = (n: number) => Math.round(n);

const runtime = await startExampleRuntime({ name: "bench-runtime", port: "free", socket: "temp" });
const connection = await connectRuntime({
  port: runtime.port ?? 0,
  host: "127.0.0.1",
  startupPollIntervalMs: 50,
});
await connection.models.loadModel({ modelId, modelType: "example", modelPath: "SIZE_1000_0_0" });
const server = await startForwardingServer(connection.forwarder);
const proxyPort = (server.address() as AddressInfo).port;
// The same runtime reached over its Unix socket (the other common way to wire a runtime).
const udsForwarder = new GrpcForwarder(http2TargetFor({ t: "uds", path: runtime.socket ?? "" }));
const udsServer = await startForwardingServer(udsForwarder);
const udsProxyPort = (udsServer.address() as AddressInfo).port;
const body = framedRequest();

// Prove both paths answer OK before measuring (h2load only sees HTTP 200).
const check = await forwardAndCollect(connection.forwarder, {
  path,
  headers: runtimeRequestHeaders({}, modelId),
  body,
});
if (grpcStatusOf(check.trailers)?.code !== 0) throw new Error("the example runtime did not answer OK");

const rows: Record<string, string | number>[] = [];
for (const streams of streamCounts) {
  const common = { body, headers: { "mm-model-id": modelId }, streams, durationS, warmUpS };
  // Interleaved, same settings: direct first, then through the forwarder.
  const direct = await runH2load({ ...common, url: `http://127.0.0.1:${runtime.port}${path}` });
  const measureForwarded = async (port: number) => {
    const cpuBefore = process.cpuUsage();
    const callsBefore = forwardedCalls;
    const result = await runH2load({ ...common, url: `http://127.0.0.1:${port}${path}` });
    const cpu = process.cpuUsage(cpuBefore);
    const calls = Math.max(1, forwardedCalls - callsBefore);
    return { result, cpuUs: (cpu.user + cpu.system) / calls, kernelUs: cpu.system / calls };
  };
  const forwarded = await measureForwarded(proxyPort);
  const forwardedUds = await measureForwarded(udsProxyPort);
  const row = (via: string, r: H2loadResult, extra: Record<string, string | number> = {}) => ({
    path: via,
    streams,
    "req/s": Math.round(r.rps),
    "p50 µs": us(r.p50Us),
    "p99 µs": us(r.p99Us),
    failed: r.failed,
    ...extra,
  });
  const forwardedRow = (via: string, m: Awaited<ReturnType<typeof measureForwarded>>) =>
    row(via, m.result, {
      "added p50 µs": us(m.result.p50Us - direct.p50Us),
      "proxy CPU µs/call": m.cpuUs.toFixed(1),
      "of which kernel": m.kernelUs.toFixed(1),
    });
  rows.push(row("direct (TCP)", direct));
  rows.push(forwardedRow("forwarder, TCP to runtime", forwarded));
  rows.push(forwardedRow("forwarder, UDS to runtime", forwardedUds));
}

reportResults("runtime-forwarder", rows, [
  `h2load -c1 -t1 -m<streams> -D${durationS} --warm-up-time=${warmUpS}, gRPC unary mmesh.ExamplePredictor/predict ` +
    `(pre-framed ${body.length}-byte body, echo model ${modelId}), one HTTP/2 connection.`,
  `Machine: ${availableParallelism()} cores shared by h2load, the example runtime process and (forwarder rows) ` +
    "this process's forwarding server. Direct and forwarded runs use identical h2load settings and alternate per " +
    "stream count; 'added p50' = forwarder p50 − direct p50 at the same stream count.",
  "'proxy CPU µs/call' = CPU time of the forwarding process (HTTP/2 server side + forwarder client side) per call.",
]);

server.close();
udsServer.close();
udsForwarder.close();
connection.close();
await stopAllProcesses();
