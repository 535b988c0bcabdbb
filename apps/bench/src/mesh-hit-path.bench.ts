import { loadavg } from "node:os";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ExamplePredictor } from "@modelmesh/proto";
import { startExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { startBareForwarder } from "./lib/bare-forwarder.js";
import {
  describeLegRun,
  framedPredictRequest,
  type HitLegRun,
  PREDICT_PATH,
  runHitLeg,
} from "./lib/hit-leg.js";
import { gatewayRunNote, startBenchMesh } from "./lib/mesh-process.js";
import { startNginxGrpcProxy } from "./lib/nginx.js";
import { machineNote } from "./lib/proc-stats.js";
import { reportResults } from "./lib/report.js";

// The mesh's hit path against two baselines, in one run with one load generator (h2load):
// (a) mmesh.ExamplePredictor/predict straight to the example runtime, (b) through Debian nginx's
// grpc_pass, (c) through the modelmesh gateway (a separate process, embedded store) with the model
// already loaded, so every call is a cache hit; and, for reference, (d) the floor of any Node
// gateway (a bare forwarder, see lib/bare-forwarder.ts). Every leg reaches the same runtime process
// and the same loaded model. Legs rotate order each round and each figure is the median of the
// rounds, so slow phases of a shared machine do not all land on one leg.
const durationS = Number(process.env.BENCH_DURATION_S ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const warmUpS = 1;
const streamCounts = [16, 64];
const path = PREDICT_PATH;
const modelId = "bench-echo";

type Leg = "direct" | "nginx" | "mesh" | "floor";
const legs: readonly Leg[] = ["direct", "nginx", "mesh", "floor"];
const legNames: Record<Leg, string> = {
  direct: "(a) direct to runtime",
  nginx: "(b) nginx grpc_pass",
  mesh: "(c) modelmesh (hit)",
  floor: "(d) bare Node forwarder",
};

/** One gRPC call through `port`, to prove the leg answers OK (h2load only sees HTTP 200). */
async function checkLeg(leg: Leg, port: number): Promise<void> {
  const transport = createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` });
  const answer = await createClient(ExamplePredictor, transport).predict(
    { modelName: modelId, text: "check" },
    { headers: { "mm-model-id": modelId }, timeoutMs: 30_000 },
  );
  if (!(answer.results[0]?.category ?? "").includes(modelId))
    throw new Error(`leg ${leg} answered unexpectedly: ${JSON.stringify(answer.results)}`);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const loadAtStart = loadavg()[0] ?? 0;
const runtime = await startExampleRuntime({ name: "bench-runtime", port: "free" });
const mesh = await startBenchMesh({ runtime, store: { kind: "embedded" }, name: "bench-gateway" });
const registered = await mesh.management.registerModel({
  modelId,
  modelInfo: { type: "example", path: "SIZE_1000_0_0" },
  loadNow: true,
  sync: true,
});
const nginx = await startNginxGrpcProxy({ upstreamPort: runtime.port ?? 0 });
const floor = await startBareForwarder(runtime.port ?? 0);
const ports: Record<Leg, number> = {
  direct: runtime.port ?? 0,
  nginx: nginx.port,
  mesh: mesh.port,
  floor: floor.port,
};
for (const leg of legs) await checkLeg(leg, ports[leg]);

/** The process(es) doing the proxying in a leg, whose CPU time per call is reported. */
const proxyPids = (leg: Leg): number[] =>
  leg === "mesh"
    ? [mesh.gateway.pid]
    : leg === "nginx"
      ? [nginx.process.pid, ...nginx.workerPids()]
      : leg === "floor"
        ? [process.pid]
        : [];

const body = framedPredictRequest(modelId, "hello mesh");
const runs = new Map<string, HitLegRun[]>();
for (let round = 0; round < rounds; round++) {
  for (const streams of streamCounts) {
    // Rotate the order each round: direct/nginx/mesh/floor, nginx/mesh/floor/direct, ...
    const order = legs.map((_, i) => legs[(i + round) % legs.length] as Leg);
    for (const leg of order) {
      const run = await runHitLeg({
        port: ports[leg],
        body,
        headers: { "mm-model-id": modelId },
        streams,
        durationS,
        warmUpS,
        proxyPids: proxyPids(leg),
        runtimePids: [runtime.process.pid],
      });
      const key = `${leg}/${streams}`;
      runs.set(key, [...(runs.get(key) ?? []), run]);
      console.error(describeLegRun(`round ${round + 1}/${rounds} ${leg} m=${streams}`, run));
    }
  }
}

interface LegSummary {
  readonly rps: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly failed: number;
  readonly proxyCpuUs: number;
  readonly runtimeCpuUs: number;
}

function summarize(leg: Leg, streams: number): LegSummary {
  const all = runs.get(`${leg}/${streams}`) ?? [];
  return {
    rps: median(all.map((r) => r.result.rps)),
    p50Us: median(all.map((r) => r.result.p50Us)),
    p99Us: median(all.map((r) => r.result.p99Us)),
    failed: all.reduce((n, r) => n + r.result.failed, 0),
    proxyCpuUs: median(all.map((r) => r.proxyCpuUsPerCall)),
    runtimeCpuUs: median(all.map((r) => r.runtimeCpuUsPerCall)),
  };
}

const rows: Record<string, string | number>[] = [];
const verdicts: string[] = [];
for (const streams of streamCounts) {
  const s = Object.fromEntries(legs.map((leg) => [leg, summarize(leg, streams)])) as Record<Leg, LegSummary>;
  for (const leg of legs) {
    rows.push({
      path: legNames[leg],
      streams,
      "req/s": Math.round(s[leg].rps),
      "p50 µs": Math.round(s[leg].p50Us),
      "p99 µs": Math.round(s[leg].p99Us),
      "added p50 µs": leg === "direct" ? "" : Math.round(s[leg].p50Us - s.direct.p50Us),
      "proxy CPU µs/call": leg === "direct" ? "" : s[leg].proxyCpuUs.toFixed(0),
      "runtime CPU µs/call": s[leg].runtimeCpuUs.toFixed(0),
      failed: s[leg].failed,
    });
  }
  const throughputVsNginx = s.mesh.rps / s.nginx.rps;
  const nginxAdded = s.nginx.p50Us - s.direct.p50Us;
  const meshAdded = s.mesh.p50Us - s.direct.p50Us;
  const addedRatio = meshAdded / nginxAdded;
  rows.push({
    path: "ratios",
    streams,
    "req/s": `c/a ${(s.mesh.rps / s.direct.rps).toFixed(2)}, c/b ${throughputVsNginx.toFixed(2)}`,
    "p50 µs": `c/a ${(s.mesh.p50Us / s.direct.p50Us).toFixed(2)}, c/b ${(s.mesh.p50Us / s.nginx.p50Us).toFixed(2)}`,
    "p99 µs": `c/a ${(s.mesh.p99Us / s.direct.p99Us).toFixed(2)}, c/b ${(s.mesh.p99Us / s.nginx.p99Us).toFixed(2)}`,
    "added p50 µs": `mesh/nginx ${nginxAdded > 0 ? addedRatio.toFixed(2) : "n/a (nginx adds ≤ 0)"}`,
  });
  verdicts.push(
    `${streams} streams: mesh throughput = ${throughputVsNginx.toFixed(2)} × nginx (target ≥ 0.8: ` +
      `${throughputVsNginx >= 0.8 ? "met" : "NOT met"}); mesh added p50 ${Math.round(meshAdded)} µs vs nginx ` +
      `${Math.round(nginxAdded)} µs = ${nginxAdded > 0 ? addedRatio.toFixed(2) : "n/a"} × (target ≤ 1.5: ` +
      `${nginxAdded > 0 && addedRatio <= 1.5 ? "met" : "NOT met"}).`,
  );
}

reportResults("mesh-hit-path", rows, [
  `h2load -c1 -t1 -m<streams> -D${durationS} --warm-up-time=${warmUpS}, gRPC unary ${path} ` +
    `(pre-framed ${body.length}-byte body, header mm-model-id: ${modelId}), one HTTP/2 connection per run; ` +
    `${rounds} rounds, leg order rotated each round, each figure the median over rounds.`,
  `Registration of the model through the mesh answered ${registered.status === 3 ? "LOADED" : `status ${registered.status}`}; ` +
    "all legs reach the same example-runtime process (TCP) and the same loaded echo model (SIZE_1000_0_0).",
  "(b) nginx " +
    "1 worker, listen http2 (h2c), grpc_pass to the runtime with upstream keepalive (one upstream connection per " +
    "concurrent call, as nginx does not multiplex upstream HTTP/2). (c) " +
    gatewayRunNote() +
    ", embedded store, log level info, TCP to the runtime. (d) for reference, not a target: the floor of " +
    "any Node gateway, an h2c server in the benchmark process handing each call to the runtime client's " +
    "GrpcForwarder (no routing, store or Connect layer).",
  "'added p50' = leg p50 − direct p50 at the same stream count. 'proxy CPU µs/call' = CPU time of the proxy " +
    "process(es) (nginx master+worker, the gateway, or this process for (d)) per call, from /proc/<pid>/stat " +
    "(10 ms ticks), over warm-up + measured time, divided by the measured requests scaled to that time.",
  `${machineNote(loadAtStart)} h2load, the runtime and the proxy share the cores with other work.`,
  ...verdicts,
]);

await floor.close();
await nginx.stop();
await mesh.stop();
await runtime.stop();
await stopAllProcesses();
