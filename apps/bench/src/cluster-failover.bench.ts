import { loadavg } from "node:os";
import { stopAllEtcd } from "@modelmesh/testkit/etcd";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { startFleet } from "./lib/cluster-fleet.js";
import { startServiceLoad, waitForReadyMembers } from "./lib/cluster-load.js";
import { endMs, ms, summarizeWindow } from "./lib/cluster-stats.js";
import { gatewayRunNote } from "./lib/mesh-process.js";
import { machineNote } from "./lib/proc-stats.js";
import { reportResults } from "./lib/report.js";

// Issue 7, "failover": a 3-member cluster on etcd, one hot model loaded on exactly one member
// (the holder; scale-up off so no other copy exists). Steady closed-loop load goes through the
// two other members (Service-like: only to members whose /ready is 200); then the holder's
// gateway gets `kill -9`. Reported: calls failed and latency in the windows before, during
// (the first BENCH_FAILOVER_EVENT_S seconds after the kill) and after the event, when a new copy
// was loaded elsewhere, and when the dead member left the instance table. Production timings
// (session TTL 20 s).
const steadyS = Number(process.env.BENCH_FAILOVER_STEADY_S ?? 5);
const eventS = Number(process.env.BENCH_FAILOVER_EVENT_S ?? 10);
const afterS = Number(process.env.BENCH_FAILOVER_AFTER_S ?? 10);
const concurrency = Number(process.env.BENCH_FAILOVER_CONCURRENCY ?? 8);
const modelId = "bench-failover-hot";

const loadAtStart = loadavg()[0] ?? 0;
const fleet = await startFleet({ size: 3, env: { MM_SCALEUP_RPM_THRESHOLD: "1000000000" } });
const sleep = (s: number) => new Promise((resolve) => setTimeout(resolve, s * 1000));
try {
  await fleet.members[0]?.management.registerModel({
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
  if (holder === undefined) throw new Error(`holder ${holderId} is not a member`);
  const ingress = fleet.members.filter((m) => m !== holder);
  const load = startServiceLoad({ endpoints: () => ingress, models: [modelId], concurrency });
  let killMs = Number.NaN;
  let newCopyMs = Number.NaN;
  let leftTableMs = Number.NaN;
  let end = Number.NaN;
  try {
    await waitForReadyMembers(load, ingress.length);
    const start = performance.now();
    // The load runs in the background; the steady phase is a fixed time by design.
    await sleep(steadyS);
    killMs = performance.now();
    await holder.kill();
    const watch = waitUntil(
      async () => {
        const now = performance.now() - killMs;
        if (Number.isNaN(newCopyMs) && fleet.loadedIn(modelId).some((m) => m !== holder)) newCopyMs = now;
        if (Number.isNaN(leftTableMs) && !(await fleet.tableIds()).includes(holderId)) leftTableMs = now;
        return !Number.isNaN(newCopyMs) && !Number.isNaN(leftTableMs);
      },
      { timeoutMs: (eventS + afterS) * 1000, intervalMs: 50, description: "new copy and table cleanup" },
    ).catch(() => undefined);
    await sleep(eventS + afterS);
    await watch;
    end = performance.now();
    const samples = await load.stop();
    const before = summarizeWindow(samples, start, killMs);
    const during = summarizeWindow(samples, killMs, killMs + eventS * 1000);
    const after = summarizeWindow(samples, killMs + eventS * 1000, end);
    const failedAfterKill = samples.filter((s) => endMs(s) >= killMs && s.error !== undefined);
    const lastFailureMs = failedAfterKill.reduce((a, s) => Math.max(a, endMs(s) - killMs), 0);
    const row = (phase: string, w: ReturnType<typeof summarizeWindow>) => ({
      phase,
      calls: w.calls,
      failed: w.failed,
      "req/s": Math.round(w.rps),
      "p50 ms": ms(w.p50Ms),
      "p99 ms": ms(w.p99Ms),
      "max ms": ms(w.maxMs),
      errors: w.errors,
    });
    reportResults(
      "cluster-failover",
      [
        row(`before (${steadyS} s)`, before),
        row(`during (first ${eventS} s after kill -9)`, during),
        row(`after (next ${afterS} s)`, after),
      ],
      [
        `testkit etcd 3.4 and 3 members, each ${gatewayRunNote()} with its own example runtime; production ` +
          "timings (session TTL 20 s) except MM_SCALEUP_RPM_THRESHOLD=1e9, so the hot model has exactly one copy.",
        `Load: ${concurrency} concurrent callers, closed loop, ExamplePredictor/predict for ${modelId} round-robin over ` +
          "the two non-holder members while their /ready answers 200 (polled every 100 ms), no client retries, 30 s deadline. " +
          "Windows are by call end (a call in flight at an event counts with it); latencies include failed calls.",
        `After kill -9 of the holder's gateway: a new copy loaded on another member after ${ms(newCopyMs)} ms; the ` +
          `holder left the instance table after ${ms(leftTableMs)} ms; ${failedAfterKill.length} calls failed, the ` +
          `last one ending ${ms(lastFailureMs)} ms after the kill.`,
        machineNote(loadAtStart),
      ],
    );
  } finally {
    if (Number.isNaN(end)) await load.stop();
  }
} finally {
  await fleet.stop();
  await stopAllEtcd();
  await stopAllProcesses();
}
