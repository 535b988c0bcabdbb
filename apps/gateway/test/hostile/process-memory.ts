import { readFileSync } from "node:fs";
import { waitUntil } from "@modelmesh/testkit/wait-until";

/** Resident set size of a process now (`VmRSS`), bytes. */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (match === null) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

/**
 * The smallest resident set size of a process over `windowMs` of samples, bytes: V8 and the
 * allocator hand memory back lazily, so the minimum of a short window is the steadier figure.
 */
export async function settledRssBytes(pid: number, windowMs = 1500): Promise<number> {
  let smallest = rssBytes(pid);
  const until = Date.now() + windowMs;
  while (Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    smallest = Math.min(smallest, rssBytes(pid));
  }
  return smallest;
}

/** CPU time (user + system) a process has used, in clock ticks, from `/proc/<pid>/stat`. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * Waits until a process has used no CPU for `quietMs`: the work the calls made so far gave it
 * (receiving and relaying their answers) is done.
 */
export async function waitForQuiet(pid: number, quietMs = 500, timeoutMs = 60_000): Promise<void> {
  let last = cpuTicks(pid);
  let quietSince = Date.now();
  await waitUntil(
    () => {
      const now = cpuTicks(pid);
      if (now !== last) {
        last = now;
        quietSince = Date.now();
        return false;
      }
      return Date.now() - quietSince >= quietMs;
    },
    { timeoutMs, intervalMs: 100, description: `process ${pid} to go quiet for ${quietMs} ms` },
  );
}

/** 1 MiB. */
export const MiB = 1024 * 1024;
