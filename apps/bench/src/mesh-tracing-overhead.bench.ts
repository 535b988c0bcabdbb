import { loadavg } from "node:os";
import { startExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import {
  describeLegRun,
  framedPredictRequest,
  type HitLegRun,
  PREDICT_PATH,
  runHitLeg,
} from "./lib/hit-leg.js";
import { gatewayRunNote, startBenchMesh } from "./lib/mesh-process.js";
import { machineNote } from "./lib/proc-stats.js";
import { reportResults } from "./lib/report.js";

// The cost of having tracing switched on but sampling nothing, on the hit path: two gateways on
// the same runtime and model, one with tracing off (no OTEL_* set), one with the SDK loaded and
// `OTEL_TRACES_SAMPLER=traceidratio`, `OTEL_TRACES_SAMPLER_ARG=0` (spans are created but never
// recorded or exported). Same load generator, legs alternating each round; the figure judged is
// the gateway's CPU time per call.
const durationS = Number(process.env.BENCH_DURATION_S ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 6);
const streams = 16;
const modelId = "bench-trace";

type Leg = "off" | "sampled0";
const legs: readonly Leg[] = ["off", "sampled0"];

const loadAtStart = loadavg()[0] ?? 0;
const runtime = await startExampleRuntime({ name: "bench-runtime", port: "free" });
const meshes = {
  off: await startBenchMesh({ runtime, store: { kind: "embedded" }, name: "gateway-off" }),
  sampled0: await startBenchMesh({
    runtime,
    store: { kind: "embedded" },
    name: "gateway-sampled-0",
    env: {
      OTEL_TRACES_EXPORTER: "otlp",
      // Nothing listens there: nothing is sampled, so nothing is ever sent.
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9",
      OTEL_TRACES_SAMPLER: "traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0",
    },
  }),
};
for (const leg of legs) {
  await meshes[leg].management.registerModel({
    modelId,
    modelInfo: { type: "example", path: "SIZE_1000_0_0" },
    loadNow: true,
    sync: true,
  });
}

const body = framedPredictRequest(modelId, "hello tracing");
const runs: Record<Leg, HitLegRun[]> = { off: [], sampled0: [] };
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? legs : [...legs].reverse();
  for (const leg of order) {
    const run = await runHitLeg({
      port: meshes[leg].port,
      body,
      headers: { "mm-model-id": modelId },
      streams,
      durationS,
      warmUpS: 1,
      proxyPids: [meshes[leg].gateway.pid],
      runtimePids: [runtime.process.pid],
    });
    runs[leg].push(run);
    console.error(describeLegRun(`round ${round + 1}/${rounds} ${leg}`, run));
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const summary = Object.fromEntries(
  legs.map((leg) => [
    leg,
    {
      rps: median(runs[leg].map((r) => r.result.rps)),
      p50Us: median(runs[leg].map((r) => r.result.p50Us)),
      cpuUs: median(runs[leg].map((r) => r.proxyCpuUsPerCall)),
      failed: runs[leg].reduce((n, r) => n + r.result.failed, 0),
    },
  ]),
) as Record<Leg, { rps: number; p50Us: number; cpuUs: number; failed: number }>;
const ratio = summary.sampled0.cpuUs / summary.off.cpuUs;
reportResults(
  "mesh-tracing-overhead",
  legs.map((leg) => ({
    gateway: leg === "off" ? "tracing off (no OTEL_*)" : "tracing on, sampler ratio 0",
    "req/s": Math.round(summary[leg].rps),
    "p50 µs": Math.round(summary[leg].p50Us),
    "gateway CPU µs/call": summary[leg].cpuUs.toFixed(1),
    failed: summary[leg].failed,
  })),
  [
    `h2load -c1 -t1 -m${streams} -D${durationS}, gRPC unary ${PREDICT_PATH}, cache hits only; ${rounds} rounds, ` +
      "legs alternating; each figure the median over rounds. Both gateways share one example runtime.",
    `${gatewayRunNote()}, embedded store.`,
    `${machineNote(loadAtStart)}`,
    `CPU per call, on / off = ${ratio.toFixed(3)} (target ≤ 1.02: ${ratio <= 1.02 ? "met" : "NOT met"}).`,
  ],
);

for (const leg of legs) await meshes[leg].stop();
await runtime.stop();
await stopAllProcesses();
