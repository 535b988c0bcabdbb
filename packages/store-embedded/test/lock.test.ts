import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startProcess, startTsProcess, stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, describe, expect, it } from "vitest";
import { openEmbeddedStore } from "../src/index.js";

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "mm-embedded-lock-"));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await stopAllProcesses();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("one process per data directory", () => {
  it("refuses a second open in the same process, naming this process", async () => {
    const dir = freshDir();
    const store = await openEmbeddedStore({ dir });
    await expect(openEmbeddedStore({ dir })).rejects.toMatchObject({
      code: "FAILED_PRECONDITION",
      message: expect.stringContaining(`is in use by process ${process.pid}`),
    });
    await store.close();
    await (await openEmbeddedStore({ dir })).close();
  });

  it("refuses a directory held by another live process, and takes it over once that process is killed", async () => {
    const dir = freshDir();
    const holder = startTsProcess({
      name: "holder",
      entry: fileURLToPath(new URL("./fixtures/holder.ts", import.meta.url)),
      args: [dir],
    });
    await waitUntil(() => holder.output().includes("READY"), { timeoutMs: 20_000 });
    await expect(openEmbeddedStore({ dir })).rejects.toMatchObject({
      code: "FAILED_PRECONDITION",
      message: expect.stringMatching(new RegExp(`data directory .* is in use by process ${holder.pid}`)),
    });
    await holder.kill();
    const store = await openEmbeddedStore({ dir });
    expect((await store.putIfRevision({ key: "/k", value: "v", expectedRevision: 0 })).ok).toBe(true);
    await store.close();
  });

  it("takes over a lock left by a dead process, or by an earlier life of this pid", async () => {
    const dead = startProcess({ name: "short-lived", command: "true" });
    await dead.exited;
    for (const pid of [dead.pid, process.pid]) {
      const dir = freshDir();
      writeFileSync(join(dir, "LOCK"), `${pid}\n`);
      const store = await openEmbeddedStore({ dir });
      await store.close();
    }
  });
});
