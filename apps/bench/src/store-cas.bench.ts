import { connectEtcdStore } from "@modelmesh/store-etcd";
import { startEtcd, stopAllEtcd } from "@modelmesh/testkit/etcd";
import { Etcd3 } from "etcd3";
import { reportResults } from "./lib/report.js";

// Compare-and-set throughput (§1.6): each operation is one conditional update of a record at the
// revision the previous update returned — the adapter's `putIfRevision` against the plain etcd3
// client sending the same transaction (compare mod revision, put; else read), in the same run
// against the same etcd. Measured sequentially (latency-bound) and with 32 keys updated
// concurrently; rounds alternate between the two clients and the median round counts.
const VALUE = JSON.stringify({
  type: "onnx",
  mPath: "s3://models/m/1",
  instanceIds: { a1b2c3d4e5f6: 1700000000000 },
  refs: 0,
  lu: 1700000000000,
});
const ROUNDS = 5;

type Updater = (key: string, revision: number) => Promise<number>;

async function throughput(update: Updater, options: { keys: string[]; opsPerKey: number }): Promise<number> {
  const revisions = new Map<string, number>();
  const started = process.hrtime.bigint();
  await Promise.all(
    options.keys.map(async (key) => {
      let revision = revisions.get(key) ?? 0;
      for (let i = 0; i < options.opsPerKey; i++) revision = await update(key, revision);
      revisions.set(key, revision);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return (options.keys.length * options.opsPerKey) / seconds;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const etcd = await startEtcd({ fastElection: false });
const plain = new Etcd3({ hosts: etcd.hostPort });
const adapter = await connectEtcdStore({ connection: { endpoints: [etcd.hostPort], rootPrefix: "" } });

const viaAdapter: Updater = async (key, revision) => {
  const outcome = await adapter.putIfRevision({ key, value: VALUE, expectedRevision: revision });
  if (!outcome.ok) throw new Error(`unexpected conflict on ${key}`);
  return outcome.revision;
};
const viaPlain: Updater = async (key, revision) => {
  const result = await plain
    .if(key, "Mod", "==", revision)
    .then(plain.put(key).value(VALUE))
    .else(plain.get(key))
    .commit();
  if (!result.succeeded) throw new Error(`unexpected conflict on ${key}`);
  return Number(result.header.revision);
};

const rows = [];
for (const [scenario, keyCount, opsPerKey] of [
  ["sequential (1 key)", 1, 2000],
  ["32 keys concurrently", 32, 200],
] as const) {
  const adapterRuns: number[] = [];
  const plainRuns: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const keys = (tag: string) =>
      Array.from({ length: keyCount }, (_, k) => `/bench/${tag}/${keyCount}/${round}/${k}`);
    plainRuns.push(await throughput(viaPlain, { keys: keys("plain"), opsPerKey }));
    adapterRuns.push(await throughput(viaAdapter, { keys: keys("adapter"), opsPerKey }));
  }
  const [a, p] = [median(adapterRuns), median(plainRuns)];
  rows.push({
    scenario,
    "plain etcd3 (ops/s)": p.toFixed(0),
    "adapter (ops/s)": a.toFixed(0),
    "adapter overhead": `${(((p - a) / p) * 100).toFixed(1)} %`,
    target: "≤ 10 %",
  });
}
await adapter.close();
plain.close();
await stopAllEtcd();
reportResults("store-cas", rows, [
  `Median of ${ROUNDS} alternating rounds; one etcd 3.4 member on loopback; a negative overhead means the adapter was faster.`,
]);
