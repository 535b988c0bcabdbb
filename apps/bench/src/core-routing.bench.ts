import {
  createInstanceTable,
  createManualClock,
  createSeededRandom,
  type InstanceRecord,
  type LocalCopyView,
  type ModelRecord,
  nextRouteStep,
  type RouteRequest,
  type RoutingContext,
  startRoute,
} from "@modelmesh/core";
import { formatNs, measureSync } from "./lib/measure.js";
import { reportResults } from "./lib/report.js";

// The cache-hit routing decision of issue 3: resolve the model in a snapshot of 100 000
// registered models and 100 instances, then pick a copy (start + first step of the route).
const MODELS = 100_000;
const INSTANCES = 100;
const NOW = 1_700_000_000_000;
const random = createSeededRandom(2024);
const pick = (n: number) => Math.floor(random.next() * n);

const instanceIds = Array.from({ length: INSTANCES }, (_, i) => `mm-${String(i).padStart(6, "0")}`);
const selfId = instanceIds[0] as string;
const instanceRecord: InstanceRecord = {
  startTimeMs: NOW - 86_400_000,
  version: 1,
  labels: [],
  lruTimeMs: NOW - 3_600_000,
  count: 1000,
  capacityUnits: 1_000_000,
  usedUnits: 600_000,
  loadingThreads: 4,
  loadsInProgress: 0,
  rpm: 500,
  shutdown: false,
  extra: {},
};

/** Every model has two copies loaded long ago; the ones listed here also have a local copy. */
const localModels: string[] = [];
const remoteModels: string[] = [];
const models = new Map<string, ModelRecord>();
const cache = new Map<string, LocalCopyView>();
for (let m = 0; m < MODELS; m++) {
  const id = `model-${m}`;
  const first = m % 50 === 0 ? selfId : (instanceIds[1 + pick(INSTANCES - 1)] as string);
  let second = first;
  while (second === first) second = instanceIds[1 + pick(INSTANCES - 1)] as string;
  const loadedAt = NOW - 3_600_000 - pick(86_400_000);
  models.set(id, {
    type: "example",
    instanceIds: { [first]: loadedAt, [second]: loadedAt + 1 },
    failedIn: {},
    failureMessages: {},
    refs: 0,
    autoDelete: false,
    lastUsedMs: NOW - 60_000,
    lastUnloadMs: 0,
    extra: {},
  });
  if (first === selfId) {
    cache.set(id, { state: "ACTIVE", loadTimestampMs: loadedAt });
    localModels.push(id);
  } else {
    remoteModels.push(id);
  }
}

const inFlight = new Map(instanceIds.map((id) => [id, pick(8)]));
const lastUsed = new Map(instanceIds.map((id) => [id, NOW - pick(1000)]));
const ctx: RoutingContext = {
  models,
  instances: createInstanceTable({
    records: new Map(instanceIds.map((id) => [id, instanceRecord])),
    selfId,
    minSpaceUnits: 6400,
    minChurnAgeMs: 300_000,
  }),
  cache,
  peers: {
    isReachable: () => true,
    inFlight: (id) => inFlight.get(id) ?? 0,
    lastUsedMs: (id) => lastUsed.get(id) ?? 0,
  },
  loadTimes: { assumeLoadedAfterMs: () => 30_000 },
  clock: createManualClock(NOW),
  random,
};

function decide(request: RouteRequest): string {
  const step = nextRouteStep(startRoute(request, ctx), ctx);
  if (step.kind !== "serve-local" && step.kind !== "forward-hit") throw new Error(`unexpected ${step.kind}`);
  return step.kind;
}

const scenarios = [
  {
    name: "balanced request, local copy ACTIVE → serve-local",
    ids: localModels,
    balanced: true,
  },
  {
    name: "unbalanced request, two remote copies → forward-hit (fewest in flight)",
    ids: remoteModels,
    balanced: false,
  },
  {
    name: "unbalanced request, local + remote copy → copy picker",
    ids: localModels,
    balanced: false,
  },
];

const rows = scenarios.map((s) => {
  const requests: RouteRequest[] = s.ids.map((modelId) => ({
    kind: "inference",
    modelId,
    balanced: s.balanced,
  }));
  const m = measureSync(s.name, (i) => decide(requests[i % requests.length] as RouteRequest), {
    batchSize: 1000,
    batches: 300,
    warmupBatches: 50,
  });
  return {
    scenario: s.name,
    median: formatNs(m.medianNs),
    p99: formatNs(m.p99Ns),
    "ops/s": Math.round(m.opsPerSec),
  };
});

reportResults("core-routing", rows, [
  `Snapshot: ${MODELS} registered models (2 copies each), ${INSTANCES} instances, ${localModels.length} local copies.`,
  "One operation = startRoute() + nextRouteStep() for a random registered model. Target: median ≤ 2 µs.",
]);
