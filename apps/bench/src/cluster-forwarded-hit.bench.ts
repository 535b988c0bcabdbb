import { loadavg } from "node:os";
import { create, toBinary } from "@bufbuild/protobuf";
import { PredictRequestSchema } from "@modelmesh/proto";
import { stopAllEtcd } from "@modelmesh/testkit/etcd";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { startFleet } from "./lib/cluster-fleet.js";
import { median } from "./lib/cluster-stats.js";
import { type H2loadResult, runH2load } from "./lib/h2load.js";
import { gatewayRunNote } from "./lib/mesh-process.js";
import { machineNote, processesCpuUs } from "./lib/proc-stats.js";
import { reportResults } from "./lib/report.js";

// Issue 7, "forwarded hit": a 2-member cluster on etcd with one model loaded on exactly one
// member (the holder). In one run, with one load generator (h2load): (a) straight to the holder's
// runtime, (b) through the holder's gateway (local hit), (c) through the other member's gateway,
// which forwards every call over the internal peer port to the holder (forwarded hit). Scale-up is
// disabled (threshold far above the rate reached) so the model keeps one copy; the registry is
// checked before and after. Legs rotate order each round; figures are medians over rounds.
const durationS = Number(process.env.BENCH_DURATION_S ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const warmUpS = 1;
const streamCounts = [16, 64];
const path = "/mmesh.ExamplePredictor/predict";
const modelId = "bench-forwarded";

type Leg = "direct" | "local" | "forwarded";
const legs: readonly Leg[] = ["direct", "local", "forwarded"];
interface LegRun {
  readonly result: H2loadResult;
  readonly cpuUsPerCall: number;
}
const legNames: Record<Leg, string> = {
  direct: "(a) direct to runtime",
  local: "(b) mesh, local hit (ingress = holder)",
  forwarded: "(c) mesh, forwarded hit (ingress ≠ holder)",
};

function framedRequest(): Buffer {
  const message = toBinary(
    PredictRequestSchema,
    create(PredictRequestSchema, { modelName: modelId, text: "hi" }),
  );
  const body = Buffer.alloc(5 + message.length);
  body.writeUInt32BE(message.length, 1);
  body.set(message, 5);
  return body;
}

const loadAtStart = loadavg()[0] ?? 0;
const fleet = await startFleet({ size: 2, env: { MM_SCALEUP_RPM_THRESHOLD: "1000000000" } });
try {
  const registered = await fleet.members[0]?.management.registerModel({
    modelId,
    modelInfo: { type: "example", path: "SIZE_1000_0_0" },
    loadNow: true,
    sync: true,
  });
  const holderId = await waitUntil(
    async () => {
      const ids = await fleet.holders(modelId);
      return ids.length === 1 && fleet.loadedIn(modelId).length === 1 ? ids[0] : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 50, description: `${modelId} loaded on exactly one member` },
  );
  const holder = fleet.byInstanceId(holderId);
  const other = fleet.members.find((m) => m.instanceId !== holderId);
  if (holder === undefined || other === undefined) throw new Error(`holder ${holderId} is not a member`);
  const ports: Record<Leg, number> = {
    direct: holder.runtime.port ?? 0,
    local: holder.port,
    forwarded: other.port,
  };
  // One call per leg proves it answers OK (h2load sees HTTP status only).
  for (const member of [holder, other]) {
    const answer = await member.predictor.predict(
      { text: "check" },
      { headers: { "mm-model-id": modelId }, timeoutMs: 30_000 },
    );
    if (!(answer.results[0]?.category ?? "").includes(modelId))
      throw new Error(`${member.name} answered wrong`);
  }

  /** The gateways a leg's calls pass through (their CPU time per call is reported). */
  const gatewayPids: Record<Leg, number[]> = {
    direct: [],
    local: [holder.gateway.pid],
    forwarded: [holder.gateway.pid, other.gateway.pid],
  };
  const body = framedRequest();
  const runs = new Map<string, LegRun[]>();
  for (let round = 0; round < rounds; round++) {
    for (const streams of streamCounts) {
      const order = legs.map((_, i) => legs[(i + round) % legs.length] as Leg);
      for (const leg of order) {
        const cpuBefore = processesCpuUs(gatewayPids[leg]);
        const result = await runH2load({
          url: `http://127.0.0.1:${ports[leg]}${path}`,
          body,
          headers: { "mm-model-id": modelId },
          streams,
          durationS,
          warmUpS,
        });
        // CPU is read around warm-up + measured time; estimate that run's calls at the measured rate.
        const calls = Math.max(1, (result.requests * (durationS + warmUpS)) / durationS);
        const cpuUsPerCall = (processesCpuUs(gatewayPids[leg]) - cpuBefore) / calls;
        const key = `${leg}/${streams}`;
        runs.set(key, [...(runs.get(key) ?? []), { result, cpuUsPerCall }]);
        console.error(
          `round ${round + 1}/${rounds} ${leg} m=${streams}: ${Math.round(result.rps)} req/s, ` +
            `p50 ${Math.round(result.p50Us)} µs, p99 ${Math.round(result.p99Us)} µs, failed ${result.failed}`,
        );
      }
    }
  }
  const holdersAfter = await fleet.holders(modelId);
  const loadedAfter = fleet.loadedIn(modelId).map((m) => m.instanceId);

  const rows: Record<string, string | number>[] = [];
  const verdicts: string[] = [];
  for (const streams of streamCounts) {
    const s = Object.fromEntries(
      legs.map((leg) => {
        const all = runs.get(`${leg}/${streams}`) ?? [];
        return [
          leg,
          {
            rps: median(all.map((r) => r.result.rps)),
            p50Us: median(all.map((r) => r.result.p50Us)),
            p99Us: median(all.map((r) => r.result.p99Us)),
            failed: all.reduce((n, r) => n + r.result.failed, 0),
            cpuUs: median(all.map((r) => r.cpuUsPerCall)),
          },
        ];
      }),
    ) as Record<Leg, { rps: number; p50Us: number; p99Us: number; failed: number; cpuUs: number }>;
    for (const leg of legs)
      rows.push({
        path: legNames[leg],
        streams,
        "req/s": Math.round(s[leg].rps),
        "p50 µs": Math.round(s[leg].p50Us),
        "p99 µs": Math.round(s[leg].p99Us),
        "added p50 µs": leg === "direct" ? "" : Math.round(s[leg].p50Us - s.direct.p50Us),
        "gateway CPU µs/call": leg === "direct" ? "" : Math.round(s[leg].cpuUs),
        failed: s[leg].failed,
      });
    const localOverhead = s.local.p50Us - s.direct.p50Us;
    const hop = s.forwarded.p50Us - s.local.p50Us;
    const hopRatio = hop / localOverhead;
    rows.push({
      path: "ratios",
      streams,
      "req/s": `c/b ${(s.forwarded.rps / s.local.rps).toFixed(2)}, b/a ${(s.local.rps / s.direct.rps).toFixed(2)}`,
      "p50 µs": `c/b ${(s.forwarded.p50Us / s.local.p50Us).toFixed(2)}, b/a ${(s.local.p50Us / s.direct.p50Us).toFixed(2)}`,
      "p99 µs": `c/b ${(s.forwarded.p99Us / s.local.p99Us).toFixed(2)}`,
      "added p50 µs": `hop (c−b) ${Math.round(hop)} = ${localOverhead > 0 ? hopRatio.toFixed(2) : "n/a"} × local (b−a)`,
      "gateway CPU µs/call": `hop (c−b) ${((s.forwarded.cpuUs - s.local.cpuUs) / s.local.cpuUs).toFixed(2)} × local (b)`,
    });
    verdicts.push(
      `${streams} streams: one forwarding hop adds ${Math.round(hop)} µs p50 vs the local mesh overhead ` +
        `${Math.round(localOverhead)} µs = ${localOverhead > 0 ? hopRatio.toFixed(2) : "n/a"} × (target ≤ 2: ` +
        `${localOverhead <= 0 ? "cannot judge: the local overhead came out ≤ 0, noise" : hopRatio <= 2 ? "met" : "NOT met"}); ` +
        "forwarded throughput = " +
        `${(s.forwarded.rps / s.local.rps).toFixed(2)} × local; gateway CPU per call: the hop adds ` +
        `${Math.round(s.forwarded.cpuUs - s.local.cpuUs)} µs = ` +
        `${((s.forwarded.cpuUs - s.local.cpuUs) / s.local.cpuUs).toFixed(2)} × the local hit's ${Math.round(s.local.cpuUs)} µs.`,
    );
  }
  reportResults("cluster-forwarded-hit", rows, [
    `h2load -c1 -t1 -m<streams> -D${durationS} --warm-up-time=${warmUpS}, gRPC unary ${path} (pre-framed ` +
      `${body.length}-byte body, header mm-model-id: ${modelId}), one HTTP/2 connection per run; ${rounds} rounds, ` +
      "leg order rotated each round, each figure the median over rounds.",
    `Cluster: testkit etcd 3.4 and 2 members, each ${gatewayRunNote()} with its own example runtime (TCP), ` +
      "production timings except MM_SCALEUP_RPM_THRESHOLD=1e9 (no scale-up). Registration with loadNow answered " +
      `${registered?.status === 3 ? "LOADED" : `status ${registered?.status}`}; registry holders before: 1, after: ` +
      `${holdersAfter.length}; runtimes with the model loaded after: ${loadedAfter.length}.`,
    "'gateway CPU µs/call' = CPU time of the gateway process(es) the calls pass through (the holder's; for (c) " +
      "also the ingress's), from /proc/<pid>/stat (10 ms ticks) over warm-up + measured time, per call; less " +
      "sensitive to other load on the machine than latency.",
    "'added p50' = leg p50 − direct p50 at the same stream count; 'hop' = forwarded p50 − local-hit p50 (what the " +
      "second gateway and the internal peer call add); 'local' = local-hit p50 − direct p50 (the mesh's own overhead).",
    `${machineNote(loadAtStart)} h2load, both gateways and both runtimes share the cores.`,
    ...verdicts,
  ]);
} finally {
  await fleet.stop();
  await stopAllEtcd();
  await stopAllProcesses();
}
