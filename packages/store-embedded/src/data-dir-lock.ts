import { closeSync, openSync, readFileSync, realpathSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { MeshError } from "@modelmesh/core";

/** Name of the lock file inside the data directory. */
export const LOCK_FILE_NAME = "LOCK";

/** Directories locked by this process (a second open from the same process is refused too). */
const heldByThisProcess = new Set<string>();

/** A held data-directory lock. */
export interface DataDirLock {
  /** Removes the lock file. Idempotent. */
  release(): void;
}

/**
 * Takes the data directory for this process: the lock file holds the owner's pid. A lock whose pid
 * no longer runs (a crash, `kill -9`) is taken over; a live owner makes this fail with a clear
 * `MeshError` (`FAILED_PRECONDITION`) instead of two writers corrupting the log. A lock holding
 * this process's own pid but not taken by it is stale too (a container restarts as pid 1 again).
 */
export function lockDataDir(dir: string): DataDirLock {
  const realDir = realpathSync(dir);
  const path = join(realDir, LOCK_FILE_NAME);
  if (heldByThisProcess.has(realDir)) throw inUse(realDir, process.pid);
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(path)) {
      heldByThisProcess.add(realDir);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          heldByThisProcess.delete(realDir);
          unlinkQuietly(path);
        },
      };
    }
    const owner = readOwner(path);
    if (owner !== undefined && owner !== process.pid && isRunning(owner)) throw inUse(realDir, owner);
    // Stale (dead owner, our own pid from an earlier life, or unreadable): remove and retry.
    unlinkQuietly(path);
  }
  throw new MeshError("FAILED_PRECONDITION", `could not take the lock of data directory ${realDir}`);
}

function tryCreate(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new MeshError(
      "FAILED_PRECONDITION",
      `cannot create lock file ${path}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readOwner(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

function inUse(dir: string, pid: number): MeshError {
  return new MeshError(
    "FAILED_PRECONDITION",
    `data directory ${dir} is in use by process ${pid}; the embedded store serves one process only ` +
      "(use KV_STORE=etcd:... for several instances, or another MM_DATA_DIR)",
  );
}
