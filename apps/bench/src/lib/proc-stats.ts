import { readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";

/** Kernel clock ticks per second for /proc CPU times (USER_HZ; 100 on every Linux we run on). */
const ticksPerSecond = 100;

/**
 * CPU time (user + system) a process has used, in microseconds, from `/proc/<pid>/stat`.
 * Resolution is one clock tick (10 ms): use it over runs of seconds.
 */
export function processCpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces; the fields after it are space separated.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1e6) / ticksPerSecond;
}

/** Total CPU microseconds of several processes (missing ones count 0). */
export function processesCpuUs(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += processCpuUs(pid);
    } catch {
      // The process is gone.
    }
  }
  return total;
}

/** Memory figures of a process from `/proc/<pid>/status`, in bytes. */
export interface ProcessMemory {
  /** Resident set size now (`VmRSS`). */
  readonly rssBytes: number;
  /** Peak resident set size (`VmHWM`). */
  readonly peakRssBytes: number;
  /** Anonymous part of the resident set (`RssAnon`: heaps, stacks), the rest being mapped files. */
  readonly anonRssBytes: number;
}

function statusField(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(status);
  if (match === null) throw new Error(`no ${name} in /proc status`);
  return Number(match[1]) * 1024;
}

/** Reads `VmRSS`, `VmHWM` and `RssAnon` of a process. */
export function processMemory(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return {
    rssBytes: statusField(status, "VmRSS"),
    peakRssBytes: statusField(status, "VmHWM"),
    anonRssBytes: statusField(status, "RssAnon"),
  };
}

/** Bytes as MiB with one decimal. */
export function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

/**
 * One line on the machine a benchmark ran on: cores, the Node version (the benchmark starts the
 * gateway and runtime processes with its own `process.execPath`, so they run on it too) and the
 * 1-minute load average at its start (`loadAtStart`, from `os.loadavg()[0]`) and now, since other
 * work on a shared machine moves latency figures a lot.
 */
export function machineNote(loadAtStart: number): string {
  return (
    `Machine: ${availableParallelism()} cores, shared; Node ${process.version}; 1-min load average ` +
    `${loadAtStart.toFixed(1)} at the start, ${(loadavg()[0] ?? 0).toFixed(1)} at the end.`
  );
}
