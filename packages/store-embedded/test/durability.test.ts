import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startTsProcess, stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, describe, expect, it } from "vitest";
import { openEmbeddedStore } from "../src/index.js";

const writer = fileURLToPath(new URL("./fixtures/writer.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "mm-embedded-kill-"));
afterAll(async () => {
  await stopAllProcesses();
  rmSync(dir, { recursive: true, force: true });
});

const ROUNDS = 24;

/** What the killed writer acknowledged, parsed from its output. */
function acknowledged(output: string) {
  const puts = new Map<string, { revision: number; value: string }>();
  const deleted = new Set<string>();
  const deleting = new Set<string>();
  const txns: { revision: number; keys: string[] }[] = [];
  let counter = 0;
  let maxRevision = 0;
  for (const line of output.split("\n")) {
    const [kind, ...rest] = line.split(" ");
    if (kind === "PUT") puts.set(rest[0] as string, { revision: Number(rest[1]), value: rest[2] as string });
    if (kind === "DEL") deleted.add(rest[0] as string);
    if (kind === "DELETING") deleting.add(rest[0] as string);
    if (kind === "CNT") counter = Math.max(counter, Number(rest[0]));
    if (kind === "TXN") txns.push({ revision: Number(rest[0]), keys: rest.slice(1) });
    const revision = Number(kind === "TXN" ? rest[0] : rest[1]);
    if (kind !== "DELETING" && Number.isFinite(revision)) maxRevision = Math.max(maxRevision, revision);
  }
  return { puts, deleted, deleting, txns, counter, maxRevision };
}

describe("embedded store durability", () => {
  it(`keeps every acknowledged write when the writer is killed with SIGKILL (${ROUNDS} rounds)`, async () => {
    let totalAcknowledged = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const child = startTsProcess({
        name: `writer-${round}`,
        entry: writer,
        args: [dir, String(round), "65536"],
        keepLines: 1_000_000,
      });
      await waitUntil(() => child.output().includes("READY") || child.hasExited(), { timeoutMs: 20_000 });
      expect(child.hasExited()).toBe(false);
      // Let it acknowledge a random number of writes, then kill it mid-flight.
      const target = 5 + Math.floor(Math.random() * 400);
      await waitUntil(() => child.output().split("\n").length > target, { timeoutMs: 10_000, intervalMs: 2 });
      await child.kill();
      const acks = acknowledged(child.output());
      totalAcknowledged += acks.puts.size;

      const store = await openEmbeddedStore({ dir, compactAfterBytes: 65536 });
      try {
        for (const [key, { revision, value }] of acks.puts) {
          const entry = await store.get(key);
          if (acks.deleted.has(key)) expect(entry, key).toBeUndefined();
          // A delete sent but not acknowledged may or may not have happened.
          else if (!(acks.deleting.has(key) && entry === undefined)) {
            expect(entry, key).toEqual({ key, value, modRevision: revision, createRevision: revision });
          }
        }
        for (const { revision, keys } of acks.txns) {
          for (const key of keys) expect((await store.get(key))?.modRevision, key).toBe(revision);
        }
        expect(Number((await store.get("/counter"))?.value ?? 0)).toBeGreaterThanOrEqual(acks.counter);
        // The dead process's session key went with it; revisions continue after the last one.
        expect(await store.get(`/session/r${round}`)).toBeUndefined();
        const next = await store.putIfRevision({ key: `/after/${round}`, value: "ok", expectedRevision: 0 });
        expect(next.ok && next.revision).toBeGreaterThan(acks.maxRevision);
      } finally {
        await store.close();
      }
    }
    expect(totalAcknowledged).toBeGreaterThan(ROUNDS * 10);
  }, 240_000); // mostly child start-up time; generous for a loaded machine
});
