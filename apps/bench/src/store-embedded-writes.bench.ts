import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openEmbeddedStore } from "@modelmesh/store-embedded";
import { reportResults } from "./lib/report.js";

// The embedded store's acknowledged-write throughput with durability on: every put resolves only
// after its log record is fdatasync'ed. Sequentially each write pays a whole fsync; concurrent
// writers share fsyncs (group commit). The data directory is on the default temp file system.
const VALUE = JSON.stringify({
  type: "onnx",
  mPath: "s3://models/m/1",
  instanceIds: { a1b2c3d4e5f6: 1700000000000 },
  refs: 0,
  lu: 1700000000000,
});

async function run(concurrency: number, total: number) {
  const dir = mkdtempSync(join(tmpdir(), "mm-bench-embedded-"));
  const store = await openEmbeddedStore({ dir });
  try {
    let next = 0;
    const latencies: number[] = [];
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) {
          const i = next++;
          const t0 = process.hrtime.bigint();
          const outcome = await store.putIfRevision({
            key: `/bench/k${i}`,
            value: VALUE,
            expectedRevision: 0,
          });
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          if (!outcome.ok) throw new Error("conflict");
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    latencies.sort((a, b) => a - b);
    const at = (p: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] as number;
    return { opsPerSec: total / seconds, p50: at(50), p99: at(99) };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = [];
for (const [scenario, concurrency, total] of [
  ["sequential (1 writer)", 1, 2_000],
  ["16 concurrent writers", 16, 20_000],
  ["128 concurrent writers", 128, 50_000],
] as const) {
  const r = await run(concurrency, total);
  rows.push({
    scenario,
    writes: total,
    "acknowledged writes/s": r.opsPerSec.toFixed(0),
    "p50 latency (ms)": r.p50.toFixed(2),
    "p99 latency (ms)": r.p99.toFixed(2),
  });
}
reportResults("store-embedded-writes", rows, [
  `Each write: a ${Buffer.byteLength(VALUE)}-byte value, compare-and-create, acknowledged after fdatasync of the write-ahead log.`,
]);
