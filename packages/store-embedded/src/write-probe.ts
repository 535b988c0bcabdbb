import { constants } from "node:fs";
import { open, rm } from "node:fs/promises";
import { join } from "node:path";

/** Name of the file a probe writes and deletes in the data directory. */
export const WRITE_PROBE_FILE_NAME = "write-probe.tmp";

/**
 * Bytes a probe writes: 64 KiB, more than a typical batch of commits, so a disk with only a few
 * blocks free (where the next real write would fail again at once) does not count as writable.
 */
const PROBE_BYTES = 64 * 1024;

/**
 * Proves that the data directory takes durable writes again: writes {@link PROBE_BYTES} to a
 * file with `O_DSYNC`, as the log does, then deletes it. Rejects with the write's error (e.g.
 * `ENOSPC`); the file is removed either way.
 */
export async function probeWritable(dir: string): Promise<void> {
  const path = join(dir, WRITE_PROBE_FILE_NAME);
  try {
    const file = await open(
      path,
      constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_DSYNC,
      0o666,
    );
    try {
      const { bytesWritten } = await file.write(Buffer.alloc(PROBE_BYTES, 0x2a));
      if (bytesWritten !== PROBE_BYTES)
        throw new Error(`short write (${bytesWritten} of ${PROBE_BYTES} bytes)`);
    } finally {
      await file.close();
    }
  } finally {
    await rm(path, { force: true });
  }
}
