import { loadavg } from "node:os";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ExamplePredictor } from "@modelmesh/proto";
import { startExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { median } from "./lib/cluster-stats.js";
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

// Issue 12, "vmodel hit": the hit path by vmodel id against the hit path by model id, on one
// gateway (embedded store), one example runtime and one loaded model, in one run with one load
// generator (h2load). The vmodel points at that model, so both legs end at the same runtime call;
// the only difference is the mirror lookup of the vmodel's active model. Legs alternate A/B, B/A,
// ... each round, so drift of a shared machine falls on both; each round's vmodel ÷ model ratio is
// taken within the round, and the reported ratio is the median over rounds.
const durationS = Number(process.env.BENCH_DURATION_S ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 6);
const warmUpS = 1;
const streamCounts = [16, 64];
const modelId = "bench-echo";
const vModelId = "bench-echo-v";

type Leg = "model" | "vmodel";
const legHeaders: Record<Leg, Record<string, string>> = {
  model: { "mm-model-id": modelId },
  vmodel: { "mm-vmodel-id": vModelId },
};
const legNames: Record<Leg, string> = {
  model: "(a) by mm-model-id",
  vmodel: "(b) by mm-vmodel-id",
};

/** One gRPC call per leg proves it answers from the model (h2load only sees HTTP 200). */
async function checkLeg(leg: Leg, port: number): Promise<void> {
  const transport = createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` });
  const answer = await createClient(ExamplePredictor, transport).predict(
    { modelName: modelId, text: "check" },
    { headers: legHeaders[leg], timeoutMs: 30_000 },
  );
  if (!(answer.results[0]?.category ?? "").endsWith(`by model ${modelId}`))
    throw new Error(`leg ${leg} answered unexpectedly: ${JSON.stringify(answer.results)}`);
}

const loadAtStart = loadavg()[0] ?? 0;
const runtime = await startExampleRuntime({ name: "bench-runtime", port: "free" });
const mesh = await startBenchMesh({ runtime, store: { kind: "embedded" }, name: "bench-gateway" });
try {
  const registered = await mesh.management.registerModel({
    modelId,
    modelInfo: { type: "example", path: "SIZE_1000_0_0" },
    loadNow: true,
    sync: true,
  });
  const vmodel = await mesh.management.setVModel({ vModelId, targetModelId: modelId, sync: true });
  if (vmodel.activeModelId !== modelId)
    throw new Error(`vmodel not active on ${modelId}: ${vmodel.activeModelId}`);
  for (const leg of ["model", "vmodel"] as const) await checkLeg(leg, mesh.port);

  const body = framedPredictRequest(modelId, "hello mesh");
  // Unrecorded warm-up of both legs, so JIT and connection setup land in neither.
  for (const leg of ["model", "vmodel"] as const)
    await runHitLeg({
      port: mesh.port,
      body,
      headers: legHeaders[leg],
      streams: 16,
      durationS: 2,
      warmUpS,
      proxyPids: [],
      runtimePids: [],
    });
  const runs = new Map<string, HitLegRun[]>();
  for (let round = 0; round < rounds; round++) {
    for (const streams of streamCounts) {
      const order: Leg[] = round % 2 === 0 ? ["model", "vmodel"] : ["vmodel", "model"];
      for (const leg of order) {
        const run = await runHitLeg({
          port: mesh.port,
          body,
          headers: legHeaders[leg],
          streams,
          durationS,
          warmUpS,
          proxyPids: [mesh.gateway.pid],
          runtimePids: [runtime.process.pid],
        });
        const key = `${leg}/${streams}`;
        runs.set(key, [...(runs.get(key) ?? []), run]);
        console.error(describeLegRun(`round ${round + 1}/${rounds} ${leg} m=${streams}`, run));
      }
    }
  }

  const rows: Record<string, string | number>[] = [];
  const verdicts: string[] = [];
  for (const streams of streamCounts) {
    const model = runs.get(`model/${streams}`) ?? [];
    const vmod = runs.get(`vmodel/${streams}`) ?? [];
    for (const [leg, all] of [
      ["model", model],
      ["vmodel", vmod],
    ] as const)
      rows.push({
        path: legNames[leg],
        streams,
        "req/s": Math.round(median(all.map((r) => r.result.rps))),
        "p50 µs": Math.round(median(all.map((r) => r.result.p50Us))),
        "p99 µs": Math.round(median(all.map((r) => r.result.p99Us))),
        "gateway CPU µs/call": median(all.map((r) => r.proxyCpuUsPerCall)).toFixed(0),
        failed: all.reduce((n, r) => n + r.result.failed, 0),
      });
    // Ratios within each round (both legs ran back to back), then the median over rounds.
    const rpsRatios = model.map((m, i) => (vmod[i]?.result.rps ?? Number.NaN) / m.result.rps);
    const cpuRatios = model.map((m, i) => (vmod[i]?.proxyCpuUsPerCall ?? Number.NaN) / m.proxyCpuUsPerCall);
    const p50Ratios = model.map((m, i) => (vmod[i]?.result.p50Us ?? Number.NaN) / m.result.p50Us);
    const rps = median(rpsRatios);
    const cpu = median(cpuRatios);
    const list = (values: number[]) => values.map((v) => v.toFixed(2)).join(" ");
    rows.push({
      path: "b/a (median of per-round ratios)",
      streams,
      "req/s": rps.toFixed(3),
      "p50 µs": median(p50Ratios).toFixed(3),
      "gateway CPU µs/call": cpu.toFixed(3),
    });
    verdicts.push(
      `${streams} streams: throughput vmodel ÷ model ${rps.toFixed(3)} (target ≥ 0.97: ${rps >= 0.97 ? "met" : "NOT met"}; ` +
        `per round ${list(rpsRatios)}); gateway CPU per call vmodel ÷ model ${cpu.toFixed(3)} (target ≤ 1.05: ` +
        `${cpu <= 1.05 ? "met" : "NOT met"}; per round ${list(cpuRatios)}).`,
    );
  }
  reportResults("mesh-vmodel-hit", rows, [
    `h2load -c1 -t1 -m<streams> -D${durationS} --warm-up-time=${warmUpS}, gRPC unary ${PREDICT_PATH} ` +
      `(pre-framed ${body.length}-byte body), one HTTP/2 connection per run; (a) header mm-model-id: ${modelId}, ` +
      `(b) header mm-vmodel-id: ${vModelId} (a vmodel whose active model is ${modelId}); ${rounds} rounds, ` +
      "order a,b then b,a alternating (after an unrecorded 3 s warm-up of each leg); leg figures are medians over rounds.",
    `One gateway (${gatewayRunNote()}, embedded store, log level info) and one example runtime (TCP); registration ` +
      `answered ${registered.status === 3 ? "LOADED" : `status ${registered.status}`}, setVModel answered ` +
      `active ${vmodel.activeModelId}.`,
    "'gateway CPU µs/call' = CPU time of the gateway process per call, from /proc/<pid>/stat (10 ms ticks) over " +
      "warm-up + measured time, divided by the measured requests scaled to that time.",
    `${machineNote(loadAtStart)} h2load, the runtime and the gateway share the cores.`,
    ...verdicts,
  ]);
} finally {
  await mesh.stop();
  await runtime.stop();
  await stopAllProcesses();
}
