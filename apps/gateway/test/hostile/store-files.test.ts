import {
  appendFileSync,
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openEmbeddedStore } from "@modelmesh/store-embedded";
import { startExampleRuntime, type TestExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Status } from "../support.js";

// The embedded store's files damaged between two runs of the gateway. A torn last write is cut
// off with a warning; anything that would lose acknowledged data — a bad record before the end,
// a missing snapshot, a missing log segment — stops the start (exit 1) with an error naming the
// file, instead of serving a registry with models silently gone.

const root = mkdtempSync(join(tmpdir(), "mm-store-files-"));
/** A data directory as the gateway leaves it: a snapshot, and a log segment after it. */
const golden = join(root, "golden");
const models = Array.from({ length: 8 }, (_, i) => `model-${i}`);
let runtime: TestExampleRuntime;

const segmentsOf = (dir: string) =>
  readdirSync(dir)
    .filter((name) => /^wal-\d{16}\.log$/.test(name))
    .sort();

function start(dir: string, waitReady = true): Promise<TestMesh> {
  return startMesh({
    runtime: false,
    waitReady,
    env: { INTERNAL_GRPC_PORT: String(runtime.port), MM_DATA_DIR: dir },
  });
}

async function register(dir: string, ids: readonly string[]): Promise<void> {
  const mesh = await start(dir);
  for (const modelId of ids) {
    await mesh.management.registerModel({
      modelId,
      modelInfo: { type: "DUMMY", path: `path-of-${modelId}` },
    });
  }
  expect(await mesh.stop()).toBe(0);
}

/** A copy of the golden directory to damage. */
function copyOfGolden(name: string): string {
  const dir = join(root, name);
  cpSync(golden, dir, { recursive: true });
  return dir;
}

/**
 * Starts a gateway on `dir` and waits until it exits or answers `/ready` 200 (then it is stopped):
 * its exit code ("ready" when it started) and its start-up error line.
 */
async function startOutcome(dir: string): Promise<{ code: number | string; error: string }> {
  const mesh = await start(dir, false);
  await waitUntil(async () => mesh.gateway.hasExited() || (await mesh.probe("/ready")) === 200, {
    timeoutMs: 60_000,
    description: "the gateway to exit or be ready",
  });
  const code = mesh.gateway.hasExited() ? await mesh.gateway.exited : "ready";
  if (code === "ready") await mesh.stop();
  return { code, error: mesh.logs().find((l) => l.level === "error")?.msg ?? "" };
}

async function expectAllModels(dir: string): Promise<TestMesh> {
  const mesh = await start(dir);
  for (const modelId of models) {
    const status = await mesh.management.getModelStatus({ modelId });
    expect(Status[status.status], modelId).toBe("NOT_LOADED");
  }
  return mesh;
}

beforeAll(async () => {
  runtime = await startExampleRuntime();
  await register(golden, models.slice(0, 5));
  // Compact as the store does once its log passes its size limit (16 MiB in the gateway; a
  // threshold of 1 byte here), by rewriting one record with its own value: a snapshot then holds
  // the first models, and a new segment starts.
  const kv = await openEmbeddedStore({ dir: golden, compactAfterBytes: 1 });
  const [entry] = (await kv.range("")).entries.filter((e) => e.key.includes("/registry/"));
  if (entry === undefined) throw new Error("no registry record in the golden directory");
  await kv.putIfRevision({ key: entry.key, value: entry.value, expectedRevision: entry.modRevision });
  await kv.close();
  await register(golden, models.slice(5));
  expect(readdirSync(golden)).toContain("snapshot.dat");
  expect(segmentsOf(golden)).toHaveLength(1);
}, 120_000);

afterAll(async () => {
  await stopAllProcesses();
  rmSync(root, { recursive: true, force: true });
});

describe("gateway start-up on damaged store files", () => {
  it("cuts off a torn last write with a warning and serves everything acknowledged", async () => {
    const dir = copyOfGolden("torn-tail");
    const segment = join(dir, segmentsOf(dir)[0] as string);
    // The first half of a record: its header promises 200 bytes, 20 arrived.
    appendFileSync(
      segment,
      Buffer.concat([Buffer.from([200, 0, 0, 0, 1, 2, 3, 4]), Buffer.from('{"r":99,"o":[{"k":')]),
    );
    const mesh = await expectAllModels(dir);
    await waitUntil(
      () => mesh.logs().some((l) => l.level === "warn" && l.msg?.includes("cut off the torn tail")),
      {
        description: "the warning about the torn tail",
      },
    );
    expect(await mesh.stop()).toBe(0);
  });

  it("refuses damaged or missing files with exit 1 and an error naming them", async () => {
    // A flipped byte inside an acknowledged record, with more records after it.
    const flipped = copyOfGolden("flipped-byte");
    const flippedSegment = join(flipped, segmentsOf(flipped)[0] as string);
    const bytes = readFileSync(flippedSegment);
    const secondFrame = 8 + bytes.readUInt32LE(0);
    expect(secondFrame + 8 + bytes.readUInt32LE(secondFrame)).toBeLessThan(bytes.length);
    bytes[secondFrame + 12] = (bytes[secondFrame + 12] as number) ^ 0x20;
    writeFileSync(flippedSegment, bytes);
    // The snapshot deleted.
    const noSnapshot = copyOfGolden("no-snapshot");
    renameSync(join(noSnapshot, "snapshot.dat"), join(root, "snapshot.dat.saved"));
    // The log segment after the snapshot deleted.
    const noSegment = copyOfGolden("no-segment");
    const missingSegment = segmentsOf(noSegment)[0] as string;
    rmSync(join(noSegment, missingSegment));

    const [damaged, withoutSnapshot, withoutSegment] = await Promise.all(
      [flipped, noSnapshot, noSegment].map(startOutcome),
    );
    const refused = (message: string) => ({
      code: 1,
      error: expect.stringContaining(`Service startup failed: ${message}`),
    });
    expect
      .soft(damaged)
      .toEqual(refused(`log segment ${flippedSegment} is damaged before its end (checksum mismatch)`));
    expect
      .soft(withoutSnapshot)
      .toEqual(
        refused(
          `refusing to open the embedded store: the snapshot ${join(noSnapshot, "snapshot.dat")} is missing`,
        ),
      );
    expect
      .soft(withoutSegment)
      .toEqual(
        refused(
          `refusing to open the embedded store: the log segment ${join(noSegment, missingSegment)} is missing`,
        ),
      );

    // What an operator does: put the file back (from a backup); nothing else was touched.
    renameSync(join(root, "snapshot.dat.saved"), join(noSnapshot, "snapshot.dat"));
    const mesh = await expectAllModels(noSnapshot);
    expect(await mesh.stop()).toBe(0);
  });
});
