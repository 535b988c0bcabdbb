import { loadavg } from "node:os";
import { stopAllEtcd } from "@modelmesh/testkit/etcd";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { startFleet } from "./lib/cluster-fleet.js";
import { startServiceLoad, waitForReadyMembers } from "./lib/cluster-load.js";
import { ms, summarizeWindow } from "./lib/cluster-stats.js";
import { gatewayRunNote } from "./lib/mesh-process.js";
import { machineNote } from "./lib/proc-stats.js";
import { reportResults } from "./lib/report.js";

// Issue 7, "rolling restart": a 3-member cluster on etcd serving a few hot models under steady
// closed-loop load (Service-like: calls only to members whose /ready is 200). Each member in
// turn: SIGTERM to its gateway, wait for the exit, stop its runtime, start a new member in its
// place (new ports and instance id, as a Deployment's new pod), wait until it is ready and in the
// instance table, next. Reported: calls failed (target 0) and latency before, during and after
// the roll, per step timings and the gateways' exit codes. Production timings and
// SHUTDOWN_TIMEOUT_MS (30 s).
const steadyS = Number(process.env.BENCH_ROLL_STEADY_S ?? 5);
const afterS = Number(process.env.BENCH_ROLL_AFTER_S ?? 5);
const concurrency = Number(process.env.BENCH_ROLL_CONCURRENCY ?? 8);
const modelIds = ["bench-roll-0", "bench-roll-1", "bench-roll-2"];
const shutdownTimeoutMs = 30_000;

const loadAtStart = loadavg()[0] ?? 0;
const fleet = await startFleet({ size: 3, env: { SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs) } });
const sleep = (s: number) => new Promise((resolve) => setTimeout(resolve, s * 1000));
try {
  // Register through different members so the copies spread over the cluster.
  for (const [i, modelId] of modelIds.entries())
    await fleet.members[i % fleet.members.length]?.management.registerModel({
      modelId,
      modelInfo: { type: "example", path: "SIZE_1000_100_0" },
      loadNow: true,
      sync: true,
    });
  const placement = async () =>
    (await Promise.all(modelIds.map(async (id) => (await fleet.holders(id)).length))).join("/");
  const copiesBefore = await placement();
  const load = startServiceLoad({ endpoints: () => fleet.members, models: modelIds, concurrency });
  let stopped = false;
  try {
    await waitForReadyMembers(load, fleet.members.length);
    const start = performance.now();
    await sleep(steadyS);
    const rollStart = performance.now();
    const steps: string[] = [];
    for (let i = 0; i < fleet.members.length; i++) {
      const old = fleet.members[i];
      if (old === undefined) continue;
      const t0 = performance.now();
      // When the Service-like client stops sending to the old member (its /ready fails or it is gone).
      let unreadyMs = Number.NaN;
      const unready = waitUntil(() => !load.readyMembers().includes(old.name), {
        timeoutMs: shutdownTimeoutMs + 60_000,
        intervalMs: 10,
      }).then(() => {
        unreadyMs = performance.now() - t0;
      });
      const code = await old.stop(shutdownTimeoutMs + 30_000);
      const exitedMs = performance.now() - t0;
      await unready;
      const member = await fleet.replace(i);
      await waitUntil(() => load.readyMembers().includes(member.name), {
        timeoutMs: 30_000,
        intervalMs: 20,
        description: `${member.name} ready for the load`,
      });
      steps.push(
        `${old.name} (ports: external ${old.port}, peer ${old.internalPort}) → ${member.name} (${member.port}, ${member.internalPort}): ` +
          "SIGTERM to out " +
          `of the client's ready set ${ms(unreadyMs)} ms, ` +
          `to exit ${ms(exitedMs)} ms (exit ${code}), ` +
          `to replacement ready ${ms(performance.now() - t0)} ms`,
      );
      console.error(steps.at(-1));
    }
    const rollEnd = performance.now();
    await sleep(afterS);
    const end = performance.now();
    const samples = await load.stop();
    stopped = true;
    const copiesAfter = await placement();
    const windows = [
      [`before (${steadyS} s)`, summarizeWindow(samples, start, rollStart)],
      [
        `during the roll (${ms((rollEnd - rollStart) / 1000)} s)`,
        summarizeWindow(samples, rollStart, rollEnd),
      ],
      [`after (${afterS} s)`, summarizeWindow(samples, rollEnd, end)],
    ] as const;
    const during = windows[1][1];
    reportResults(
      "cluster-rolling-restart",
      windows.map(([phase, w]) => ({
        phase,
        calls: w.calls,
        failed: w.failed,
        "req/s": Math.round(w.rps),
        "p50 ms": ms(w.p50Ms),
        "p99 ms": ms(w.p99Ms),
        "max ms": ms(w.maxMs),
        errors: w.errors,
      })),
      [
        `testkit etcd 3.4 and 3 members, each ${gatewayRunNote()} with its own example runtime; production ` +
          `timings, SHUTDOWN_TIMEOUT_MS=${shutdownTimeoutMs}. ${modelIds.length} models (runtime load 100 ms) ` +
          `registered with loadNow through different members; copies per model before: ${copiesBefore}, after: ${copiesAfter}.`,
        `Load: ${concurrency} concurrent callers, closed loop, ExamplePredictor/predict over the models, round-robin ` +
          "over the members whose /ready answers 200 (polled every 100 ms), no client retries, 30 s deadline. " +
          "Windows are by call end (a call in flight at an event counts with it); latencies include failed calls.",
        `Steps: ${steps.join("; ")}.`,
        machineNote(loadAtStart),
        `Rolling restart: ${during.failed} failed calls of ${during.calls} during the roll (target 0: ` +
          `${during.failed === 0 ? "met" : "NOT met"}), p99 ${ms(during.p99Ms)} ms.`,
      ],
    );
  } finally {
    if (!stopped) await load.stop();
  }
} finally {
  await fleet.stop();
  await stopAllEtcd();
  await stopAllProcesses();
}
