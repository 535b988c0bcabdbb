import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { openEmbeddedStore } from "../src/index.js";

// Directories are written byte by byte here, in the on-disk format, to stand for what a store
// leaves behind: the current format (segments start with a header naming the revision they
// follow, snapshots name their next segment) and the one before it (neither).

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "mm-embedded-gaps-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const pad = (value: number, width: number) => String(value).padStart(width, "0");
const walFileName = (seq: number) => `wal-${pad(seq, 16)}.log`;

/** A log frame: payload length (u32 LE), CRC-32 of the payload (u32 LE), the JSON payload. */
function frame(payload: object): Buffer {
  const json = Buffer.from(JSON.stringify(payload));
  const head = Buffer.alloc(8);
  head.writeUInt32LE(json.length, 0);
  head.writeUInt32LE(crc32(json), 4);
  return Buffer.concat([head, json]);
}

/** The commit of revision `r`: creates key `/k<r>`. */
const put = (r: number) => ({ r, o: [{ k: `/k${r}`, v: `value-${r}`, c: r }] });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => put(from + i));

/** Writes segment `seq` holding `records`, after a header naming `after` unless that is undefined. */
function segment(dir: string, seq: number, records: readonly object[], after?: number): void {
  const header = after === undefined ? [] : [frame({ r: 0, o: [], a: after })];
  writeFileSync(join(dir, walFileName(seq)), Buffer.concat([...header, ...records.map(frame)]));
}

/** A snapshot of revisions 1..`revision`; the current format names `nextSegment`, the earlier did not. */
function snapshot(dir: string, revision: number, nextSegment?: number): void {
  const rows = range(1, revision).map(({ r }) => [`/k${r}`, `value-${r}`, r, r, null]);
  const body = Buffer.from(rows.map((row) => `${JSON.stringify(row)}\n`).join(""));
  let header = `MMSNAP2 ${pad(revision, 16)} ${pad(crc32(body), 10)} ${pad(body.length, 16)}`;
  if (nextSegment !== undefined) {
    header = `${header} ${pad(nextSegment, 16)}`;
    header = `${header} ${pad(crc32(header), 10)}`;
  }
  writeFileSync(join(dir, "snapshot.dat"), Buffer.concat([Buffer.from(`${header}\n`), body]));
}

async function keysIn(dir: string): Promise<number> {
  const store = await openEmbeddedStore({ dir });
  try {
    return (await store.range("/k")).entries.length;
  } finally {
    await store.close();
  }
}

const refusal = (...parts: string[]) => ({
  code: "INVALID_DATA",
  message: expect.stringMatching(
    new RegExp(parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")),
  ),
});

describe("embedded store: a missing file never loses data silently", () => {
  it("refuses to start without the snapshot when the log starts after it", async () => {
    const dir = freshDir();
    const store = await openEmbeddedStore({ dir, compactAfterBytes: 2048 });
    for (let i = 0; i < 100; i++)
      await store.putIfRevision({ key: `/k${i}`, value: "v", expectedRevision: 0 });
    await store.close();
    const [first] = readdirSync(dir).filter((name) => name.startsWith("wal-"));
    expect(first).not.toBe(walFileName(1)); // compacted at least once
    const snapshot = join(dir, "snapshot.dat");
    renameSync(snapshot, `${snapshot}.backup`);
    await expect(openEmbeddedStore({ dir })).rejects.toMatchObject(
      refusal(`snapshot ${snapshot} is missing`, `log starts at ${join(dir, first as string)}`),
    );
    // The refusal changed nothing: with the snapshot restored, everything is there.
    renameSync(`${snapshot}.backup`, snapshot);
    expect(await keysIn(dir)).toBe(100);
  });

  it("refuses a log segment missing between two others", async () => {
    const dir = freshDir();
    segment(dir, 1, range(1, 3), 0);
    segment(dir, 2, range(4, 6), 3);
    segment(dir, 3, range(7, 9), 6);
    expect(await keysIn(dir)).toBe(9);
    rmSync(join(dir, walFileName(2)));
    await expect(openEmbeddedStore({ dir })).rejects.toMatchObject(
      refusal(`log segment ${join(dir, walFileName(2))} is missing (between`, walFileName(1), walFileName(3)),
    );
  });

  it("refuses when the segment the snapshot names is missing, even with none after it", async () => {
    const dir = freshDir();
    snapshot(dir, 5, 4);
    segment(dir, 4, range(6, 8), 5);
    expect(await keysIn(dir)).toBe(8);
    rmSync(join(dir, walFileName(4)));
    await expect(openEmbeddedStore({ dir })).rejects.toMatchObject(
      refusal(`log segment ${join(dir, walFileName(4))} is missing`, "after revision 5"),
    );
  });

  it("refuses a segment that starts after a revision the snapshot does not reach (earlier format)", async () => {
    const dir = freshDir();
    snapshot(dir, 5);
    segment(dir, 3, range(8, 9));
    await expect(openEmbeddedStore({ dir })).rejects.toMatchObject(
      refusal(`${walFileName(3)} starts at revision 8`, "end at revision 5", "revisions 6 to 7 are missing"),
    );
  });

  it("refuses a missing snapshot in a directory of the earlier format", async () => {
    const dir = freshDir();
    snapshot(dir, 5);
    segment(dir, 2, range(6, 7));
    expect(await keysIn(dir)).toBe(7);
    rmSync(join(dir, "snapshot.dat"));
    await expect(openEmbeddedStore({ dir })).rejects.toMatchObject(refusal("snapshot", "is missing"));
  });

  it("opens complete directories of the earlier format, including one left by a stopped compaction", async () => {
    const dir = freshDir();
    snapshot(dir, 5);
    segment(dir, 2, range(6, 9));
    expect(await keysIn(dir)).toBe(9);
    // The store goes on appending to that segment.
    const store = await openEmbeddedStore({ dir });
    const outcome = await store.putIfRevision({ key: "/k10", value: "v", expectedRevision: 0 });
    expect(outcome.ok && outcome.revision).toBe(10);
    await store.close();

    const stopped = freshDir();
    snapshot(stopped, 5);
    segment(stopped, 2, range(1, 5)); // covered: the old code renamed the snapshot, then stopped
    segment(stopped, 3, []);
    expect(await keysIn(stopped)).toBe(5);
  });

  it("opens what a compaction stopped at any step leaves, and writes on", async () => {
    // Stopped after starting the next segment, before the snapshot.
    const before = freshDir();
    snapshot(before, 3, 2);
    segment(before, 2, range(4, 6), 3);
    segment(before, 3, [], 6);
    expect(await keysIn(before)).toBe(6);
    // Stopped after the snapshot, before deleting the segment it covers (which is then deleted).
    const after = freshDir();
    snapshot(after, 6, 3);
    segment(after, 2, range(4, 6), 3);
    segment(after, 3, [], 6);
    expect(await keysIn(after)).toBe(6);
    expect(existsSync(join(after, walFileName(2)))).toBe(false);
    for (const dir of [before, after]) {
      const store = await openEmbeddedStore({ dir });
      const outcome = await store.putIfRevision({ key: "/k7", value: "v", expectedRevision: 0 });
      expect(outcome.ok && outcome.revision).toBe(7);
      await store.close();
      expect(await keysIn(dir)).toBe(7);
    }
  });

  it("refuses revisions that jump inside a segment", async () => {
    const dir = freshDir();
    segment(dir, 1, [...range(1, 3), ...range(6, 7)], 0);
    await expect(openEmbeddedStore({ dir })).rejects.toMatchObject(
      refusal(`${walFileName(1)} jumps from revision 3 to 6`),
    );
  });
});
