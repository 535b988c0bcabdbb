import { mkdtempSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { ModelStatusInfo_ModelStatus } from "@modelmesh/proto";
import { openEmbeddedStore } from "@modelmesh/store-embedded";
import { connectEtcdStore, parseEtcdKvStore } from "@modelmesh/store-etcd";
import { startEtcd, stopAllEtcd } from "@modelmesh/testkit/etcd";
import { startExampleRuntime, type TestExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { TEST_SERVICE_NAME } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { type BenchMesh, gatewayRunNote, startBenchMesh } from "./lib/mesh-process.js";
import { machineNote, mib, processMemory } from "./lib/proc-stats.js";
import { reportResults } from "./lib/report.js";
import { seedRegistry } from "./lib/seed-registry.js";

// Memory: the gateway's resident set (VmRSS) with 100,000 registered models, with the embedded
// store and with etcd. registerModel through the API runs at a few hundred calls per second here
// (Connect's unary handler dominates), so the 100,000 records are written straight into the store
// in the original's layout and JSON: into the embedded store's folder before the gateway starts
// (its mirror loads them at start-up), and into etcd while the gateway runs (its watch takes
// them live; a restarted gateway then loads them as its initial snapshot). A few thousand
// registerModel calls through the API follow, for their rate and the memory they leave behind.
const modelCount = Number(process.env.BENCH_MEMORY_MODELS ?? 100_000);
const apiModels = Number(process.env.BENCH_MEMORY_API_MODELS ?? 2000);
const apiInFlight = 64;
const targetMiB = 200;

const modelId = (i: number) => `mem-model-${String(i).padStart(6, "0")}`;
const seedModel = (i: number) => ({
  id: modelId(i),
  type: "example",
  path: "SIZE_1000_0_0",
  key: `key-${i}`,
});

/** True when the mesh's registry answers for each of 200 ids spread over the range. */
async function mirrorHoldsAll(mesh: BenchMesh, count: number): Promise<boolean> {
  const step = Math.max(1, Math.floor(count / 200));
  const samples = [...Array.from({ length: Math.ceil(count / step) }, (_, k) => k * step), count - 1];
  for (const i of samples) {
    const status = await mesh.management.getModelStatus({ modelId: modelId(i) });
    if (status.status === ModelStatusInfo_ModelStatus.NOT_FOUND) return false;
  }
  return true;
}

async function waitForMirror(mesh: BenchMesh, count: number): Promise<number> {
  const start = performance.now();
  await waitUntil(() => mirrorHoldsAll(mesh, count), {
    timeoutMs: 600_000,
    intervalMs: 250,
    description: `the mesh to see ${count} models`,
  });
  return (performance.now() - start) / 1000;
}

/** The smallest VmRSS seen over `seconds` of samples (V8 returns freed memory lazily), and VmHWM. */
async function settledRss(
  pid: number,
  seconds: number,
): Promise<{ rss: number; peak: number; anon: number }> {
  let rss = Number.POSITIVE_INFINITY;
  let peak = 0;
  let anon = 0;
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    const m = processMemory(pid);
    if (m.rssBytes < rss) anon = m.anonRssBytes;
    rss = Math.min(rss, m.rssBytes);
    peak = Math.max(peak, m.peakRssBytes);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { rss, peak, anon };
}

/** registerModel through the API for `count` new ids; registrations per second. */
async function registerThroughApi(mesh: BenchMesh, count: number): Promise<number> {
  const start = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = modelCount + next++;
      await mesh.management.registerModel(
        { modelId: modelId(i), modelInfo: { type: "example", path: "SIZE_1000_0_0", key: `key-${i}` } },
        { timeoutMs: 120_000 },
      );
    }
  };
  await Promise.all(Array.from({ length: apiInFlight }, worker));
  return count / ((performance.now() - start) / 1000);
}

interface StoreFigures {
  readonly idleRss?: number;
  readonly seedS: number;
  readonly mirrorWaitS: number;
  readonly withModels: { rss: number; peak: number; anon: number };
  readonly afterRestart?: { rss: number; peak: number; anon: number };
  readonly apiRate: number;
  readonly afterApi: { rss: number; peak: number; anon: number };
}

async function measureEmbedded(runtime: TestExampleRuntime): Promise<StoreFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), "mm-bench-mem-"));
  const seedStart = performance.now();
  const store = await openEmbeddedStore({ dir: dataDir });
  await seedRegistry(store, { serviceName: TEST_SERVICE_NAME, count: modelCount, model: seedModel });
  await store.close();
  const seedS = (performance.now() - seedStart) / 1000;
  const mesh = await startBenchMesh({
    runtime,
    store: { kind: "embedded", dataDir },
    name: "gateway-embedded",
  });
  const mirrorWaitS = await waitForMirror(mesh, modelCount);
  const withModels = await settledRss(mesh.gateway.pid, 10);
  const apiRate = await registerThroughApi(mesh, apiModels);
  const afterApi = await settledRss(mesh.gateway.pid, 5);
  await mesh.stop();
  return { seedS, mirrorWaitS, withModels, apiRate, afterApi };
}

async function measureEtcd(runtime: TestExampleRuntime, endpoint: string): Promise<StoreFigures> {
  const mesh = await startBenchMesh({ runtime, store: { kind: "etcd", endpoint }, name: "gateway-etcd" });
  const idle = await settledRss(mesh.gateway.pid, 3);
  const parsed = parseEtcdKvStore(`etcd:${endpoint}`);
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  const seedStart = performance.now();
  const store = await connectEtcdStore({ connection: parsed.config });
  await seedRegistry(store, { serviceName: mesh.serviceName, count: modelCount, model: seedModel });
  await store.close();
  const seedS = (performance.now() - seedStart) / 1000;
  const mirrorWaitS = await waitForMirror(mesh, modelCount);
  const withModels = await settledRss(mesh.gateway.pid, 10);
  await mesh.stop();
  // A new gateway on the same etcd: the registry arrives as the mirror's initial snapshot.
  const restarted = await startBenchMesh({
    runtime,
    store: { kind: "etcd", endpoint },
    name: "gateway-etcd-2",
  });
  await waitForMirror(restarted, modelCount);
  const afterRestart = await settledRss(restarted.gateway.pid, 10);
  const apiRate = await registerThroughApi(restarted, apiModels);
  const afterApi = await settledRss(restarted.gateway.pid, 5);
  await restarted.stop();
  return { idleRss: idle.rss, seedS, mirrorWaitS, withModels, afterRestart, apiRate, afterApi };
}

const loadAtStart = loadavg()[0] ?? 0;
// The same gateway's RSS with an empty registry, for the per-model figure.
const runtime = await startExampleRuntime({ name: "bench-runtime", port: "free" });
const empty = await startBenchMesh({ runtime, store: { kind: "embedded" }, name: "gateway-empty" });
const idleRss = (await settledRss(empty.gateway.pid, 5)).rss;
await empty.stop();

const etcd = await startEtcd();
const results: [string, StoreFigures][] = [
  ["embedded", await measureEmbedded(runtime)],
  ["etcd", await measureEtcd(runtime, etcd.endpoint)],
];
await etcd.destroy();
await runtime.stop();

const rows: Record<string, string | number>[] = [];
const verdicts: string[] = [];
for (const [label, r] of results) {
  const base = r.idleRss ?? idleRss;
  const headline = r.afterRestart ?? r.withModels;
  rows.push({
    store: label,
    models: modelCount,
    "RSS empty MiB": mib(base),
    "RSS with models MiB": mib(r.withModels.rss),
    "RSS after restart MiB": r.afterRestart === undefined ? "(loaded at start)" : mib(r.afterRestart.rss),
    "of which anon MiB": mib(headline.anon),
    "peak RSS MiB": mib(Math.max(r.withModels.peak, r.afterRestart?.peak ?? 0)),
    "bytes/model": Math.round((headline.rss - base) / modelCount),
    "seed s": r.seedS.toFixed(1),
    "mirror wait s": r.mirrorWaitS.toFixed(1),
    "API register/s": Math.round(r.apiRate),
    [`RSS after +${apiModels} via API MiB`]: mib(r.afterApi.rss),
    target: `≤ ${targetMiB} MiB`,
  });
  const worst = Math.max(r.withModels.rss, r.afterRestart?.rss ?? 0);
  verdicts.push(
    `${label}: ${mib(worst)} MiB with ${modelCount} models (target ≤ ${targetMiB} MiB: ` +
      `${worst <= targetMiB * 1024 * 1024 ? "met" : "NOT met"}).`,
  );
}

reportResults("mesh-memory", rows, [
  `The gateway process (${gatewayRunNote()}), paired with an example ` +
    `runtime, no model loaded. ${modelCount} registrations (type example, path SIZE_1000_0_0, a key) written ` +
    "straight into the store with the original's keys and record JSON (transactions of 128 puts): embedded = " +
    "before the gateway starts (loaded by its mirror at start-up); etcd = while the gateway runs (taken by its " +
    "watch), then a second gateway started on the same etcd ('after restart').",
  "'of which anon' = RssAnon of the headline figure (after restart for etcd): heaps and stacks; the rest is mapped " +
    "files (the node binary's code). " +
    "The mirror holds them all when getModelStatus answers for 200 ids spread over the range. RSS = VmRSS of the " +
    "gateway pid from /proc/<pid>/status, the smallest of 10 s of samples every 250 ms; peak = VmHWM; 'RSS empty' = " +
    "the same gateway with no registration; bytes/model = (RSS with models, after restart for etcd − empty) / models.",
  `Then ${apiModels} more models through mmesh.ModelMesh/registerModel (gRPC, ${apiInFlight} in flight): their rate, and ` +
    "the RSS 5 s after.",
  "etcd: Debian etcd 3.4 started by testkit.",
  machineNote(loadAtStart),
  ...verdicts,
]);

await stopAllEtcd();
await stopAllProcesses();
