import {
  createInstanceTable,
  createSeededRandom,
  type InstanceRecord,
  type InstanceTable,
  type ModelRecord,
  placeModel,
} from "@modelmesh/core";
import { formatNs, measureSync } from "./lib/measure.js";
import { reportResults } from "./lib/report.js";

// Placement (§3) over a table of 1000 live instances: filters, shortlist, busy filter and
// random pick, with this instance's fresh record merged into the cached order.
const INSTANCES = 1000;
const NOW = 1_700_000_000_000;
const MIN_SPACE_UNITS = 6400;
const random = createSeededRandom(7);
const pick = (n: number) => Math.floor(random.next() * n);

const ids = Array.from({ length: INSTANCES }, (_, i) => `a1b2c3-${String(i).padStart(5, "0")}`);
const selfId = ids[0] as string;

function instance(usedUnits: number, count: number, lruAgoMs: number): InstanceRecord {
  return {
    startTimeMs: NOW - 86_400_000,
    version: 1,
    labels: [],
    lruTimeMs: count === 0 ? Number.MAX_SAFE_INTEGER : NOW - lruAgoMs,
    count,
    capacityUnits: 128_000,
    usedUnits,
    loadingThreads: 4,
    loadsInProgress: pick(3),
    rpm: 50 + pick(400),
    shutdown: false,
    extra: {},
  };
}

/** A busy cluster: most instances full with LRU entries minutes to hours old, some with room. */
const mixed = new Map(
  ids.map((id) => {
    const full = random.next() < 0.8;
    const count = full ? 40 + pick(20) : 5 + pick(30);
    const used = full ? 128_000 - pick(MIN_SPACE_UNITS) : 20_000 + pick(80_000);
    return [id, instance(used, count, 60_000 + pick(6 * 3_600_000))];
  }),
);
/** The worst case for the shortlist: 1000 identical empty instances, all within range. */
const empty = new Map(ids.map((id) => [id, instance(0, 0, 0)]));

const model: ModelRecord = {
  type: "example",
  instanceIds: {},
  failedIn: {},
  failureMessages: {},
  refs: 0,
  autoDelete: false,
  lastUsedMs: NOW - 30_000,
  lastUnloadMs: 0,
  extra: {},
};

const tableOf = (records: ReadonlyMap<string, InstanceRecord>): InstanceTable =>
  createInstanceTable({ records, selfId, minSpaceUnits: MIN_SPACE_UNITS, minChurnAgeMs: 300_000 });

function place(table: InstanceTable, selfRecord: InstanceRecord): string {
  return placeModel({
    table,
    selfRecord,
    model,
    lastUsedMs: model.lastUsedMs,
    balanced: false,
    nowMs: NOW,
    random,
  }).decision.kind;
}

const mixedTable = tableOf(mixed);
const emptyTable = tableOf(empty);
const mixedSelf = mixed.get(selfId) as InstanceRecord;
const emptySelf = empty.get(selfId) as InstanceRecord;

const options = { batchSize: 20, batches: 200, warmupBatches: 20 };
const cases = [
  {
    scenario: "mixed cluster (80 % full), table reused",
    m: measureSync("mixed", () => place(mixedTable, mixedSelf), options),
  },
  {
    scenario: "1000 identical empty instances (every one shortlisted), table reused",
    m: measureSync("empty", () => place(emptyTable, emptySelf), options),
  },
  {
    scenario: "mixed cluster, new table each time (sort of 1000 + placement)",
    m: measureSync("mixed-cold", () => place(tableOf(mixed), mixedSelf), { ...options, batchSize: 5 }),
  },
];

const rows = cases.map(({ scenario, m }) => ({
  scenario,
  median: formatNs(m.medianNs),
  p99: formatNs(m.p99Ns),
  "ops/s": Math.round(m.opsPerSec),
}));
reportResults("core-placement", rows, [
  `${INSTANCES} live instances; unbalanced request for a model with no copy (random pick with a seeded Random).`,
  "The server builds the instance table when the instance records change; placements reuse its order.",
  "Target: median ≤ 100 µs.",
]);
