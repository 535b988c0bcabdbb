import { loadavg } from "node:os";
import { startExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import {
  type BatchOutcome,
  callBatch,
  callHeaders,
  sizedAnswerRequest,
} from "@modelmesh/testkit/relay-client";
import { gatewayRunNote, startBenchMesh } from "./lib/mesh-process.js";
import { machineNote, mib, processCpuUs, processMemory } from "./lib/proc-stats.js";
import { reportResults } from "./lib/report.js";

// Memory of a gateway relaying large answers (issue 20's acceptance check): 3,000 unary calls whose
// answers are 1 MiB each (the example runtime's `test:answer-bytes:1048576`), through a gateway with
// the embedded store. The gateway's RSS after the first 300 and after all 3,000 must differ by at
// most 64 MiB: a gateway that kept what it relayed would grow by about 0.8 MiB per call.
const answerBytes = Number(process.env.BENCH_ANSWER_BYTES ?? 1024 * 1024);
const firstCalls = 300;
const totalCalls = Number(process.env.BENCH_RELAY_CALLS ?? 3000);
// 8 calls in flight, as the test (apps/gateway/test/hostile/relay-memory.test.ts): the answers in
// flight set the allocator's high-water mark, which RSS keeps after they are freed.
const connections = 2;
const streams = 4;
const boundMiB = 64;
const modelId = "bench-relay-echo";

/** The smallest VmRSS over `seconds` of samples every 100 ms (V8 and malloc give memory back lazily). */
async function settledRss(pid: number, seconds: number): Promise<number> {
  let smallest = Number.POSITIVE_INFINITY;
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    smallest = Math.min(smallest, processMemory(pid).rssBytes);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return smallest;
}

const loadAtStart = loadavg()[0] ?? 0;
const runtime = await startExampleRuntime({ name: "bench-runtime", port: "free" });
const mesh = await startBenchMesh({ runtime, store: { kind: "embedded" }, name: "gateway-relay" });
await mesh.management.registerModel({
  modelId,
  modelInfo: { type: "example", path: "SIZE_1000_0_0" },
  loadNow: true,
  sync: true,
});
const pid = mesh.gateway.pid;
const idleRss = await settledRss(pid, 3);
/** `count` calls; what they gave and how long they took. */
async function call(count: number): Promise<BatchOutcome & { readonly seconds: number }> {
  const start = performance.now();
  const outcome = await callBatch(mesh.port, {
    count,
    connections,
    streams,
    headers: callHeaders(modelId),
    body: sizedAnswerRequest(answerBytes),
    minMessageBytes: answerBytes,
  });
  return { ...outcome, seconds: (performance.now() - start) / 1000 };
}
const cpuBefore = processCpuUs(pid);
const first = await call(firstCalls);
const afterFirst = await settledRss(pid, 3);
const rest = await call(totalCalls - firstCalls);
const cpuUs = processCpuUs(pid) - cpuBefore;
const afterAll = await settledRss(pid, 3);
const peak = processMemory(pid).peakRssBytes;
await mesh.stop();
await runtime.stop();

const growth = afterAll - afterFirst;
const met = growth <= boundMiB * 1024 * 1024;
const rate = (r: { bytes: number; seconds: number }) =>
  `${(r.bytes / (1024 * 1024) / r.seconds).toFixed(0)} MiB/s`;
const failed = (r: BatchOutcome) => Object.values(r.others).reduce((a, b) => a + b, 0);
reportResults(
  "mesh-relay-memory",
  [
    {
      answer: `${answerBytes} B`,
      calls: totalCalls,
      "whole answers": first.complete + rest.complete,
      failed: failed(first) + failed(rest),
      "RSS idle MiB": mib(idleRss),
      [`RSS after ${firstCalls} MiB`]: mib(afterFirst),
      [`RSS after ${totalCalls} MiB`]: mib(afterAll),
      "difference MiB": mib(growth),
      "peak RSS MiB": mib(peak),
      "relay rate": `${rate(first)}, ${rate(rest)}`,
      "gateway CPU per call": `${(cpuUs / totalCalls / 1000).toFixed(2)} ms`,
      bound: `≤ ${boundMiB} MiB: ${met ? "met" : "NOT met"}`,
    },
  ],
  [
    `The gateway process (${gatewayRunNote()}, embedded store) in front of one example runtime; ` +
      `${totalCalls} unary ExamplePredictor/predict calls asking for ${answerBytes}-byte answers ` +
      `(test:answer-bytes), ${connections} node:http2 client connections × ${streams} calls in flight, each ` +
      "answer read as it arrives and checked whole (one message of the full size, grpc-status 0).",
    "RSS = VmRSS of the gateway from /proc/<pid>/status, the smallest of 3 s of samples every 100 ms, taken " +
      `when the gateway is idle: before any call, after the first ${firstCalls} calls, after all ${totalCalls}; ` +
      "peak = VmHWM. Relay rate = answer bytes received per second, first part and rest.",
    machineNote(loadAtStart),
  ],
);
await stopAllProcesses();
