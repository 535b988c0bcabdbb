import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRecordingLogger } from "@modelmesh/core/store-contract";
import { afterAll, describe, expect, it } from "vitest";
import { openEmbeddedStore } from "../src/index.js";

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "mm-embedded-recovery-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const segments = (dir: string) =>
  readdirSync(dir)
    .filter((name) => name.startsWith("wal-"))
    .sort();
const lastSegment = (dir: string) => join(dir, segments(dir).at(-1) as string);

/** Opens a store in `dir`, writes keys k0..k(n-1) and closes it; returns their revisions. */
async function writeKeys(dir: string, count: number, options: { compactAfterBytes?: number } = {}) {
  const store = await openEmbeddedStore({ dir, ...options });
  const revisions: number[] = [];
  for (let i = 0; i < count; i++) {
    const outcome = await store.putIfRevision({ key: `/k${i}`, value: `value-${i}`, expectedRevision: 0 });
    if (!outcome.ok) throw new Error("write failed");
    revisions.push(outcome.revision);
  }
  await store.close();
  return revisions;
}

describe("embedded store recovery", () => {
  for (const [what, tail] of [
    ["a partial header", Buffer.from([7, 0, 0])],
    ["a record cut short", Buffer.concat([Buffer.from([200, 0, 0, 0, 1, 2, 3, 4]), Buffer.from('{"r":9')])],
    [
      "a record failing its checksum",
      Buffer.concat([Buffer.from([6, 0, 0, 0, 1, 2, 3, 4]), Buffer.from('{"r":9}')]),
    ],
    ["zeros (space allocated but never written)", Buffer.alloc(64)],
  ] as const) {
    it(`cuts off a torn tail (${what}) and keeps everything before it`, async () => {
      const dir = freshDir();
      const revisions = await writeKeys(dir, 3);
      const segment = lastSegment(dir);
      const sizeBefore = statSync(segment).size;
      appendFileSync(segment, tail);
      const logger = createRecordingLogger();
      const store = await openEmbeddedStore({ dir, logger });
      for (let i = 0; i < 3; i++) expect((await store.get(`/k${i}`))?.modRevision).toBe(revisions[i]);
      expect(statSync(segment).size).toBe(sizeBefore);
      expect(logger.lines.some((line) => line.message.includes("torn tail"))).toBe(true);
      const next = await store.putIfRevision({ key: "/after", value: "x", expectedRevision: 0 });
      expect(next.ok && next.revision).toBe((revisions[2] as number) + 1);
      await store.close();
    });
  }

  it("refuses a log damaged before its end (acknowledged data lost) with INVALID_DATA", async () => {
    const dir = freshDir();
    await writeKeys(dir, 3);
    const segment = lastSegment(dir);
    const bytes = readFileSync(segment);
    bytes[12] = (bytes[12] as number) ^ 0xff; // inside the first record's payload
    writeFileSync(segment, bytes);
    await expect(openEmbeddedStore({ dir })).rejects.toMatchObject({
      code: "INVALID_DATA",
      message: expect.stringContaining("damaged before its end"),
    });
    // The refusal released the directory: after a repair (here: removing the log) it opens.
    rmSync(segment);
    await (await openEmbeddedStore({ dir })).close();
  });

  it("snapshots and starts a new log segment as the log grows, and recovers from both", async () => {
    const dir = freshDir();
    const revisions = await writeKeys(dir, 300, { compactAfterBytes: 2048 });
    expect(readdirSync(dir)).toContain("snapshot.dat");
    expect(segments(dir)).toHaveLength(1);
    expect(statSync(lastSegment(dir)).size).toBeLessThan(4096);
    const store = await openEmbeddedStore({ dir });
    const range = await store.range("/k");
    expect(range.entries).toHaveLength(300);
    expect(range.revision).toBe(revisions.at(-1));
    for (const entry of range.entries) {
      const i = Number(entry.key.slice(2));
      expect(entry).toEqual({
        key: `/k${i}`,
        value: `value-${i}`,
        modRevision: revisions[i],
        createRevision: revisions[i],
      });
    }
    await store.close();
  });

  it("keeps values with newlines and quotes through a snapshot (one JSON row per line)", async () => {
    const dir = freshDir();
    const store = await openEmbeddedStore({ dir, compactAfterBytes: 512 });
    const odd = 'line one\nline "two"\r\n\u2028 ünï';
    await store.putIfRevision({ key: "/odd\nkey", value: odd, expectedRevision: 0 });
    // Larger than the snapshot writer's buffer, between rows that fill it.
    const large = "ü".repeat(200_000);
    await store.putIfRevision({ key: "/large", value: large, expectedRevision: 0 });
    for (let i = 0; i < 40; i++)
      await store.putIfRevision({ key: `/k${i}`, value: `value-${i}`, expectedRevision: 0 });
    await store.close();
    expect(readFileSync(join(dir, "snapshot.dat"), "utf8")).toMatch(/^MMSNAP2 /);
    const reopened = await openEmbeddedStore({ dir });
    expect((await reopened.get("/odd\nkey"))?.value).toBe(odd);
    expect((await reopened.get("/large"))?.value).toBe(large);
    expect((await reopened.range("/k")).entries).toHaveLength(40);
    await reopened.close();
  });

  it("reads a snapshot in the earlier one-array format", async () => {
    const dir = freshDir();
    const body = Buffer.from(
      JSON.stringify([
        ["/a", "1", 3, 5, null],
        ["/b", "two", 4, 4, "embedded-1-1"],
      ]),
    );
    const { crc32 } = await import("node:zlib");
    writeFileSync(
      join(dir, "snapshot.dat"),
      Buffer.concat([Buffer.from(`MMSNAP1 7 ${crc32(body)} ${body.length}\n`), body]),
    );
    // A compaction always left the (empty) segment after the snapshot.
    writeFileSync(join(dir, "wal-0000000000000002.log"), "");
    const store = await openEmbeddedStore({ dir });
    const range = await store.range("/");
    // The lease of a previous process's session is cleaned up on open; the plain key stays.
    expect(range.entries).toEqual([{ key: "/a", value: "1", createRevision: 3, modRevision: 5 }]);
    expect(range.revision).toBeGreaterThanOrEqual(7);
    await store.close();
  });

  it("refuses a damaged snapshot with INVALID_DATA", async () => {
    const dir = freshDir();
    await writeKeys(dir, 100, { compactAfterBytes: 1024 });
    const path = join(dir, "snapshot.dat");
    const bytes = readFileSync(path);
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] as number) ^ 0x01;
    writeFileSync(path, bytes);
    await expect(openEmbeddedStore({ dir })).rejects.toMatchObject({ code: "INVALID_DATA" });
  });

  it("refuses calls once closed", async () => {
    const store = await openEmbeddedStore({ dir: freshDir() });
    await store.close();
    await expect(store.get("/k")).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
  });
});
