import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startProcess, startTsProcess, stopAllProcesses, tsNodeArgs } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, describe, expect, it } from "vitest";
import { openEmbeddedStore } from "../src/index.js";

const holderEntry = fileURLToPath(new URL("./fixtures/holder.ts", import.meta.url));
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
      entry: holderEntry,
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

  it("opens at once after kill -9 of the holder, while the dead holder is still an unreaped zombie", async () => {
    const dir = freshDir();
    // The holder runs under a shell that then becomes `sleep`, which never reaps its children:
    // once killed, the holder stays a zombie (its pid still "exists") until the sleep ends.
    const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;
    const holderCommand = [process.execPath, ...tsNodeArgs(holderEntry, [dir])].map(quote).join(" ");
    const parent = startProcess({
      name: "non-reaping-parent",
      command: "sh",
      args: ["-c", `${holderCommand} & echo "HOLDER $!"; exec sleep 600`],
    });
    await waitUntil(() => parent.output().includes("READY"), { timeoutMs: 20_000 });
    const holderPid = Number(/HOLDER (\d+)/.exec(parent.output())?.[1]);
    expect(holderPid).toBeGreaterThan(0);
    await expect(openEmbeddedStore({ dir })).rejects.toMatchObject({
      message: expect.stringContaining(`is in use by process ${holderPid}`),
    });
    process.kill(holderPid, "SIGKILL");
    const state = () => readFileSync(`/proc/${holderPid}/stat`, "utf8").split(") ")[1]?.[0];
    await waitUntil(() => state() === "Z", { timeoutMs: 10_000 });
    // The main thread turns zombie a moment before the process's last threads let go of its
    // files (and so of the lock): retry for a bound far below any restart's own start-up time.
    const store = await waitUntil(() => openEmbeddedStore({ dir }), { timeoutMs: 3000, intervalMs: 5 });
    expect(state()).toBe("Z"); // still not reaped: the lock went with the process, not its pid
    expect((await store.putIfRevision({ key: "/k", value: "v", expectedRevision: 0 })).ok).toBe(true);
    await store.close();
    await parent.stop();
  });

  it("opens a directory whose lock file names a live process that does not hold the lock (a reused pid)", async () => {
    const unrelated = startProcess({ name: "unrelated", command: "sleep", args: ["600"] });
    const dir = freshDir();
    writeFileSync(join(dir, "LOCK"), `${unrelated.pid}\n`);
    const store = await openEmbeddedStore({ dir });
    expect(readFileSync(join(dir, "LOCK"), "utf8")).toBe(`${process.pid}\n`);
    await store.close();
    await unrelated.stop();
  });
});
