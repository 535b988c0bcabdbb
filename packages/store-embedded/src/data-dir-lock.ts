import { spawnSync } from "node:child_process";
import {
  closeSync,
  constants,
  ftruncateSync,
  openSync,
  readFileSync,
  realpathSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { MeshError } from "@modelmesh/core";

/** Name of the lock file inside the data directory. */
export const LOCK_FILE_NAME = "LOCK";

/** Directories locked by this process (a second open from the same process is refused too). */
const heldByThisProcess = new Set<string>();

/** A held data-directory lock. */
export interface DataDirLock {
  /** Gives the directory up (the lock file stays, emptied). Idempotent. */
  release(): void;
}

/** The command that takes the lock: util-linux's `flock`, or BusyBox's (same options). */
const FLOCK_COMMAND = "flock";
/** How long the `flock` command may take; it never waits for the lock (`-n`). */
const FLOCK_TIMEOUT_MS = 10_000;

/**
 * Takes the data directory for this process with an exclusive `flock(2)` on its `LOCK` file.
 *
 * The kernel owns the lock, not a pid: it belongs to this process's open file description of
 * `LOCK` and is released when that description is closed — by {@link DataDirLock.release}, or by
 * the kernel when the process dies in any way (`kill -9` included: a zombie that is not reaped
 * yet holds no files), so a restart never finds a stale lock, and a pid reused by another process
 * means nothing. Taking it is one atomic system call, so two starting processes cannot both win.
 *
 * Node has no `flock`, so the `flock` command locks the descriptor this process hands it as its
 * fd 3: the lock is taken on the shared open file description and stays with this process after
 * the command exits. The owner's pid is written into the file only so that a refused process can
 * name it ("in use by process N"); nothing is decided by it. A second open from this process is
 * refused the same way. Fails with `FAILED_PRECONDITION`.
 */
export function lockDataDir(dir: string): DataDirLock {
  const realDir = realpathSync(dir);
  const path = join(realDir, LOCK_FILE_NAME);
  if (heldByThisProcess.has(realDir)) throw inUse(realDir, process.pid);
  const fd = openLockFile(path);
  try {
    if (!tryFlock(fd, path)) throw inUse(realDir, readOwner(path));
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  writeOwner(fd);
  heldByThisProcess.add(realDir);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      heldByThisProcess.delete(realDir);
      // Emptied first, so nobody reads a pid that no longer holds anything. Never unlinked: a
      // process that opened the file just before would lock an orphaned inode while a third one
      // creates and locks a new file — two owners.
      try {
        ftruncateSync(fd, 0);
      } catch {
        // Only the message of a later refusal would suffer.
      }
      closeSync(fd);
    },
  };
}

function openLockFile(path: string): number {
  try {
    // Not O_APPEND: the pid is written at offset 0 after truncating.
    return openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
  } catch (error) {
    throw new MeshError("FAILED_PRECONDITION", `cannot open lock file ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** True when this process now holds the lock, false when another one holds it. */
function tryFlock(fd: number, path: string): boolean {
  const result = spawnSync(FLOCK_COMMAND, ["-x", "-n", "3"], {
    stdio: ["ignore", "ignore", "pipe", fd],
    timeout: FLOCK_TIMEOUT_MS,
  });
  if (result.error !== undefined) {
    const missing = (result.error as NodeJS.ErrnoException).code === "ENOENT";
    throw new MeshError(
      "FAILED_PRECONDITION",
      missing
        ? `cannot lock ${path}: the "${FLOCK_COMMAND}" command is not installed (it comes with util-linux or BusyBox)`
        : `cannot lock ${path}: ${result.error.message}`,
      { cause: result.error },
    );
  }
  // 0: locked; 1: held elsewhere (with -n, in util-linux and BusyBox alike); else: an error.
  if (result.status === 0) return true;
  if (result.status === 1) return false;
  const said = result.stderr?.toString("utf8").trim() ?? "";
  throw new MeshError(
    "FAILED_PRECONDITION",
    `cannot lock ${path}: ${FLOCK_COMMAND} exited with ${result.status ?? result.signal}${said === "" ? "" : ` (${said})`}`,
  );
}

/** Writes this process's pid for the messages of others; best effort (a full disk must not stop us). */
function writeOwner(fd: number): void {
  try {
    ftruncateSync(fd, 0);
    writeSync(fd, `${process.pid}\n`, 0);
  } catch {
    // A refused process then says "another process" instead of the pid.
  }
}

/** The pid the holder wrote; undefined when it has not written it yet. */
function readOwner(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function inUse(dir: string, pid: number | undefined): MeshError {
  const who = pid === undefined ? "another process" : `process ${pid}`;
  return new MeshError(
    "FAILED_PRECONDITION",
    `data directory ${dir} is in use by ${who}; the embedded store serves one process only ` +
      "(use KV_STORE=etcd:... for several instances, or another MM_DATA_DIR)",
  );
}
