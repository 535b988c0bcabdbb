import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { KvStore } from "@modelmesh/core";
import { createRecordingLogger } from "@modelmesh/core/store-contract";
import { fillUp, mountSmallDisk, type SmallDisk } from "@modelmesh/testkit/small-disk";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openEmbeddedStore } from "../src/index.js";

// A real full disk: a 1 MiB tmpfs, filled up by a file. Mounting needs root, which the test
// command has (in CI too); without it this fails rather than pretending.
let disk: SmallDisk | undefined;
const mountPoint = () => (disk as SmallDisk).path;
const open: KvStore[] = [];
const fillers: string[] = [];

beforeAll(() => {
  disk = mountSmallDisk(1024 * 1024, "mm-embedded-full-");
});

afterEach(() => {
  // A failed test must not leave the next one a full disk.
  for (const filler of fillers.splice(0)) rmSync(filler, { force: true });
});

afterAll(async () => {
  for (const store of open) await store.close().catch(() => undefined);
  disk?.remove();
});

const value = (i: number) => `${i}:${"v".repeat(1000)}`;

for (const [during, compactAfterBytes] of [
  ["append", 16 * 1024 * 1024],
  // Every write then starts a new segment and snapshot, which needs a fresh page of the disk
  // while the append itself still fits in the last page of the segment.
  ["compaction", 1],
] as const) {
  describe(`embedded store on a full disk (failing in the ${during})`, () => {
    it("refuses writes with a clear error, keeps serving reads, and takes writes again once space is freed", async () => {
      const dir = join(mountPoint(), `data-${compactAfterBytes}`);
      mkdirSync(dir);
      const logger = createRecordingLogger();
      const options = { dir, compactAfterBytes, writeRetryIntervalMs: 50, logger };
      const store = await openEmbeddedStore(options);
      open.push(store);
      const acked = new Map<string, number>();
      const refused = new Set<string>();
      let next = 0;
      const write = async () => {
        const key = `/k${next}`;
        const outcome = await store.putIfRevision({ key, value: value(next++), expectedRevision: 0 });
        if (!outcome.ok) throw new Error(`unexpected conflict on ${key}`);
        acked.set(key, outcome.revision);
      };
      for (let i = 0; i < 20; i++) await write();

      const filler = join(mountPoint(), "filler");
      fillers.push(filler);
      fillUp(filler);
      // The last pages of the files may still take a few records: write until refused.
      let failure: unknown;
      for (let i = 0; i < 500 && failure === undefined; i++) {
        const key = `/k${next}`;
        await write().catch((error: unknown) => {
          failure = error;
          refused.add(key);
        });
      }
      expect(failure).toMatchObject({
        code: "STORE_UNAVAILABLE",
        message: expect.stringMatching(/disk of the embedded store is full: could not write to .*ENOSPC/),
      });
      expect(store.writeFailure?.()).toContain("ENOSPC");
      expect(
        logger.lines.find((line) => line.message.includes("embedded store write failed"))?.fields,
      ).toMatchObject({
        during,
      });
      // Refused at once while the disk stays full; reads serve everything acknowledged.
      const refusedKey = `/k${next}`;
      await expect(write()).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
      refused.add(refusedKey);
      for (const [key, revision] of acked) expect((await store.get(key))?.modRevision).toBe(revision);
      await new Promise((resolve) => setTimeout(resolve, 300)); // several probes, all failing
      expect(store.writeFailure?.()).toBeDefined();

      rmSync(filler);
      const lastAcked = Math.max(...acked.values());
      // No restart: once a probe succeeds, writes go through again, on the next revision.
      const key = `/k${next}`;
      const outcome = await waitUntil(
        () => store.putIfRevision({ key, value: value(next), expectedRevision: 0 }).catch(() => undefined),
        { timeoutMs: 10_000, description: "a write to succeed after space was freed" },
      );
      expect(outcome).toEqual({ ok: true, revision: lastAcked + 1 });
      acked.set(key, outcome.ok ? outcome.revision : 0);
      next++;
      expect(store.writeFailure?.()).toBeUndefined();
      expect(logger.lines.some((line) => line.message.includes("writes work again"))).toBe(true);
      for (let i = 0; i < 40; i++) await write();

      await store.close();
      const reopened = await openEmbeddedStore({ dir });
      open.push(reopened);
      const entries = (await reopened.range("/k")).entries;
      expect(entries.map((e) => [e.key, e.modRevision]).sort()).toEqual([...acked].sort());
      for (const entry of entries) expect(entry.value).toBe(value(Number(entry.key.slice(2))));
      for (const key of refused) expect(await reopened.get(key)).toBeUndefined();
      await reopened.close();
    }, 60_000);
  });
}
