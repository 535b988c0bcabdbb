import { loadavg } from "node:os";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ExamplePredictor, ModelMesh } from "@modelmesh/proto";
import { createTestCa } from "@modelmesh/testkit/certs";
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
import { startNginxGrpcProxy } from "./lib/nginx.js";
import { machineNote } from "./lib/proc-stats.js";
import { reportResults } from "./lib/report.js";

// The hit path over TLS against plaintext, with nginx terminating TLS in front of the same runtime
// as the baseline, in one run with one load generator (h2load over one connection): (a) direct to
// the runtime (h2c), (b) nginx `listen ssl http2` + grpc_pass, (c) the gateway in plaintext, (d) the
// gateway with TLS on the external port. Legs rotate order each round; each figure is the median.
const durationS = Number(process.env.BENCH_DURATION_S ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const warmUpS = 1;
const streamCounts = [16, 64];
const modelId = "bench-echo";

type Leg = "direct" | "nginxTls" | "mesh" | "meshTls";
const legs: readonly Leg[] = ["direct", "nginxTls", "mesh", "meshTls"];
const legNames: Record<Leg, string> = {
  direct: "(a) direct to runtime (h2c)",
  nginxTls: "(b) nginx TLS termination + grpc_pass",
  mesh: "(c) modelmesh plaintext (hit)",
  meshTls: "(d) modelmesh TLS (hit)",
};
const tlsLegs = new Set<Leg>(["nginxTls", "meshTls"]);

const ca = createTestCa("bench-tls");
const cert = ca.issue({ name: "server" });
const transportFor = (leg: Leg, port: number) =>
  createGrpcTransport(
    tlsLegs.has(leg)
      ? { baseUrl: `https://localhost:${port}`, nodeOptions: { ca: ca.root.cert } }
      : { baseUrl: `http://127.0.0.1:${port}` },
  );

async function checkLeg(leg: Leg, port: number): Promise<void> {
  const answer = await createClient(ExamplePredictor, transportFor(leg, port)).predict(
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
const meshTls = await startBenchMesh({
  runtime,
  store: { kind: "embedded" },
  name: "bench-gateway-tls",
  env: { MM_TLS_KEY_CERT_PATH: cert.certPath, MM_TLS_PRIVATE_KEY_PATH: cert.keyPath },
});
for (const [leg, m] of [
  ["mesh", mesh],
  ["meshTls", meshTls],
] as const) {
  await createClient(ModelMesh, transportFor(leg, m.port)).registerModel({
    modelId,
    modelInfo: { type: "example", path: "SIZE_1000_0_0" },
    loadNow: true,
    sync: true,
  });
}
const nginx = await startNginxGrpcProxy({
  upstreamPort: runtime.port ?? 0,
  tls: { certPath: cert.certPath, keyPath: cert.keyPath },
});
const ports: Record<Leg, number> = {
  direct: runtime.port ?? 0,
  nginxTls: nginx.port,
  mesh: mesh.port,
  meshTls: meshTls.port,
};
for (const leg of legs) await checkLeg(leg, ports[leg]);

const proxyPids = (leg: Leg): number[] =>
  leg === "mesh"
    ? [mesh.gateway.pid]
    : leg === "meshTls"
      ? [meshTls.gateway.pid]
      : leg === "nginxTls"
        ? [nginx.process.pid, ...nginx.workerPids()]
        : [];

const body = framedPredictRequest(modelId, "hello mesh");
const runs = new Map<string, HitLegRun[]>();
for (let round = 0; round < rounds; round++) {
  for (const streams of streamCounts) {
    const order = legs.map((_, i) => legs[(i + round) % legs.length] as Leg);
    for (const leg of order) {
      const run = await runHitLeg({
        port: ports[leg],
        tls: tlsLegs.has(leg),
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

const rows: Record<string, string | number>[] = [];
for (const streams of streamCounts) {
  const of = (leg: Leg) => runs.get(`${leg}/${streams}`) ?? [];
  const p50 = (leg: Leg) => median(of(leg).map((r) => r.result.p50Us));
  const rps = (leg: Leg) => median(of(leg).map((r) => r.result.rps));
  for (const leg of legs) {
    rows.push({
      path: legNames[leg],
      streams,
      "req/s": Math.round(rps(leg)),
      "p50 µs": Math.round(p50(leg)),
      "p99 µs": Math.round(median(of(leg).map((r) => r.result.p99Us))),
      "added p50 µs": leg === "direct" ? "" : Math.round(p50(leg) - p50("direct")),
      "proxy CPU µs/call": leg === "direct" ? "" : median(of(leg).map((r) => r.proxyCpuUsPerCall)).toFixed(0),
      failed: of(leg).reduce((n, r) => n + r.result.failed, 0),
    });
  }
  rows.push({
    path: "ratios",
    streams,
    "req/s": `d/c ${(rps("meshTls") / rps("mesh")).toFixed(2)}, d/b ${(rps("meshTls") / rps("nginxTls")).toFixed(2)}`,
    "p50 µs": `d/c ${(p50("meshTls") / p50("mesh")).toFixed(2)}, d/b ${(p50("meshTls") / p50("nginxTls")).toFixed(2)}`,
  });
}

reportResults("mesh-tls-hit-path", rows, [
  `h2load -c1 -t1 -m<streams> -D${durationS} --warm-up-time=${warmUpS}, gRPC unary ${PREDICT_PATH} ` +
    `(pre-framed ${body.length}-byte body), one connection per run (TLS legs: one TLS 1.3 handshake, ALPN h2, ` +
    `then every call on it); ${rounds} rounds, leg order rotated, each figure the median over rounds.`,
  "Certificate: ECDSA P-256 from a test CA, the same file for nginx and the gateway. (b) nginx 1 worker, " +
    "`listen ssl http2`, grpc_pass to the runtime in h2c with upstream keepalive. (c) and (d) " +
    gatewayRunNote() +
    ", embedded store each, the model loaded in each, TCP to the same runtime.",
  `${machineNote(loadAtStart)} h2load, the runtime and the proxies share the cores with other work.`,
]);

await nginx.stop();
await meshTls.stop();
await mesh.stop();
await runtime.stop();
await stopAllProcesses();
ca.remove();
