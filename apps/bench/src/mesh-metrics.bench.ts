import { loadavg } from "node:os";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ExamplePredictor } from "@modelmesh/proto";
import { startExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { freePort } from "@modelmesh/testkit/free-port";
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

// Metrics cost: the hit path of a gateway with `MM_METRICS=prometheus:...;per_model_metrics=true`
// against one with `MM_METRICS=disabled`, each with its own example runtime and one loaded model,
// driven by h2load in alternating rounds (A/B, B/A, ...) so drift of a shared machine falls on
// both; each round's on ÷ off ratio is taken within the round, the reported ratio is the median.
// Then the Prometheus gateway gets per-model series (models registered and called once: each
// adds request, cache-miss, load and size histograms) until it exports about 10,000 samples, and
// is scraped over HTTP.
const durationS = Number(process.env.BENCH_DURATION_S ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 6);
const scrapeModels = Number(process.env.BENCH_SCRAPE_MODELS ?? 60);
const warmUpS = 1;
const streams = 16;
const modelId = "bench-echo";

type Leg = "off" | "on";
const legNames: Record<Leg, string> = {
  off: "(a) MM_METRICS=disabled",
  on: "(b) prometheus, per_model_metrics=true",
};

async function predict(port: number, id: string): Promise<string> {
  const transport = createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` });
  const client = createClient(ExamplePredictor, transport);
  try {
    const answer = await client.predict(
      { text: "check" },
      { headers: { "mm-model-id": id }, timeoutMs: 30_000 },
    );
    return answer.results[0]?.category ?? "";
  } catch (error) {
    return String(error);
  }
}

async function timedScrape(port: number): Promise<{ ms: number; lines: number; bytes: number }> {
  const start = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await response.text();
  const ms = performance.now() - start;
  return {
    ms,
    lines: text.split("\n").filter((l) => l !== "" && !l.startsWith("#")).length,
    bytes: text.length,
  };
}

const loadAtStart = loadavg()[0] ?? 0;
const metricsPort = await freePort();
const runtimes = {
  off: await startExampleRuntime({ name: "bench-runtime-off", port: "free" }),
  on: await startExampleRuntime({ name: "bench-runtime-on", port: "free" }),
};
const meshes = {
  off: await startBenchMesh({
    runtime: runtimes.off,
    store: { kind: "embedded" },
    name: "bench-gateway-off",
    env: { MM_METRICS: "disabled" },
  }),
  on: await startBenchMesh({
    runtime: runtimes.on,
    store: { kind: "embedded" },
    name: "bench-gateway-on",
    env: { MM_METRICS: `prometheus:port=${metricsPort};scheme=http;per_model_metrics=true` },
  }),
};
try {
  for (const leg of ["off", "on"] as const) {
    await meshes[leg].management.registerModel({
      modelId,
      modelInfo: { type: "example", path: "SIZE_1000_0_0" },
      loadNow: true,
      sync: true,
    });
    const answer = await predict(meshes[leg].port, modelId);
    if (!answer.endsWith(`by model ${modelId}`)) throw new Error(`leg ${leg} answered ${answer}`);
  }
  const body = framedPredictRequest(modelId, "hello mesh");
  const headers = { "mm-model-id": modelId };
  const leg = (which: Leg, seconds: number, measured: boolean) =>
    runHitLeg({
      port: meshes[which].port,
      body,
      headers,
      streams,
      durationS: seconds,
      warmUpS,
      proxyPids: measured ? [meshes[which].gateway.pid] : [],
      runtimePids: measured ? [runtimes[which].process.pid] : [],
    });
  for (const which of ["off", "on"] as const) await leg(which, 2, false);
  const runs: Record<Leg, HitLegRun[]> = { off: [], on: [] };
  for (let round = 0; round < rounds; round++) {
    const order: Leg[] = round % 2 === 0 ? ["off", "on"] : ["on", "off"];
    for (const which of order) {
      const run = await leg(which, durationS, true);
      runs[which].push(run);
      console.error(describeLegRun(`round ${round + 1}/${rounds} ${which}`, run));
    }
  }

  // Per-model series: each model registered and called once (a cache miss, a load, a hit path).
  for (let i = 0; i < scrapeModels; i++) {
    const id = `scrape-model-${i}`;
    await meshes.on.management.registerModel({
      modelId: id,
      modelInfo: { type: "example", path: "SIZE_1000_0_0" },
    });
    await predict(meshes.on.port, id);
  }
  const scrapes = [];
  for (let i = 0; i < 7; i++) scrapes.push(await timedScrape(metricsPort));
  const measuredScrapes = scrapes.slice(2);

  const rows: Record<string, string | number>[] = [];
  for (const which of ["off", "on"] as const) {
    const all = runs[which];
    rows.push({
      gateway: legNames[which],
      "req/s": Math.round(median(all.map((r) => r.result.rps))),
      "p50 µs": Math.round(median(all.map((r) => r.result.p50Us))),
      "p99 µs": Math.round(median(all.map((r) => r.result.p99Us))),
      "gateway CPU µs/call": median(all.map((r) => r.proxyCpuUsPerCall)).toFixed(1),
      failed: all.reduce((n, r) => n + r.result.failed, 0),
    });
  }
  const rpsRatios = runs.off.map((off, i) => (runs.on[i]?.result.rps ?? Number.NaN) / off.result.rps);
  const cpuRatios = runs.off.map(
    (off, i) => (runs.on[i]?.proxyCpuUsPerCall ?? Number.NaN) / off.proxyCpuUsPerCall,
  );
  const rps = median(rpsRatios);
  const cpu = median(cpuRatios);
  rows.push({
    gateway: "b/a (median of per-round ratios)",
    "req/s": rps.toFixed(3),
    "gateway CPU µs/call": cpu.toFixed(3),
  });
  const scrapeMs = median(measuredScrapes.map((s) => s.ms));
  const series = measuredScrapes[0]?.lines ?? 0;
  rows.push({
    gateway: `(b) scrape of ${series} series (${Math.round((measuredScrapes[0]?.bytes ?? 0) / 1024)} KiB)`,
    "p50 µs": Math.round(scrapeMs * 1000),
  });
  const list = (values: number[]) => values.map((v) => v.toFixed(2)).join(" ");
  reportResults("mesh-metrics", rows, [
    `h2load -c1 -t1 -m${streams} -D${durationS} --warm-up-time=${warmUpS}, gRPC unary ${PREDICT_PATH} ` +
      `(pre-framed ${body.length}-byte body), header mm-model-id: ${modelId}; ${rounds} rounds, order a,b then ` +
      "b,a alternating (after an unrecorded 3 s warm-up of each); leg figures are medians over rounds.",
    `Two gateways (${gatewayRunNote()}, embedded store, log level info), each with its own example runtime (TCP).`,
    "'gateway CPU µs/call' = CPU time of the gateway process per call, from /proc/<pid>/stat (10 ms ticks).",
    `Scrape: GET /metrics over HTTP after ${scrapeModels} more models were registered and called once (each ` +
      `with its own modelId label); 'p50 µs' of that row is the median of 5 scrapes after 2 unrecorded ones ` +
      `(${list(measuredScrapes.map((s) => s.ms))} ms), Node process metrics included.`,
    `${machineNote(loadAtStart)} h2load, the runtimes and the gateways share the cores.`,
    `Throughput on ÷ off ${rps.toFixed(3)} (target ≥ 0.97: ${rps >= 0.97 ? "met" : "NOT met"}; per round ${list(rpsRatios)}); ` +
      `gateway CPU per call on ÷ off ${cpu.toFixed(3)} (target ≤ 1.05: ${cpu <= 1.05 ? "met" : "NOT met"}; per round ` +
      `${list(cpuRatios)}); scrape of ${series} series ${scrapeMs.toFixed(1)} ms (target ≤ 50 ms: ` +
      `${scrapeMs <= 50 ? "met" : "NOT met"}).`,
  ]);
} finally {
  await meshes.off.stop();
  await meshes.on.stop();
  await runtimes.off.stop();
  await runtimes.on.stop();
  await stopAllProcesses();
}
