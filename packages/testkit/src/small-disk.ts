import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A small real file system (tmpfs) mounted for a test, to fill up. */
export interface SmallDisk {
  /** Where it is mounted. */
  readonly path: string;
  /** Unmounts it and removes the mount point. Idempotent. */
  remove(): void;
}

/**
 * Mounts a tmpfs of `sizeBytes` on a new temporary directory. Mounting needs root, which the
 * test command has (in CI too); without it this throws with a message that says so, rather than
 * letting a disk-full test pretend.
 */
export function mountSmallDisk(sizeBytes: number, prefix = "mm-small-disk-"): SmallDisk {
  if (process.getuid?.() !== 0) {
    throw new Error("a disk-full test mounts a small tmpfs and must run as root (as the test command does)");
  }
  const path = mkdtempSync(join(tmpdir(), prefix));
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeBytes}`, "tmpfs", path]);
  let mounted = true;
  return {
    path,
    remove() {
      if (mounted) execFileSync("umount", [path]);
      mounted = false;
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/** Writes one file at `path` until its file system has no byte left (ENOSPC). */
export function fillUp(path: string): void {
  const fd = openSync(path, "w");
  try {
    for (const size of [64 * 1024, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size, 1);
      for (let i = 0; i < 1_000_000; i++) {
        try {
          writeSync(fd, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}
