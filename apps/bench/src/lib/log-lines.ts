import type { TestProcess } from "@modelmesh/testkit/processes";

/** One JSON log line of a gateway (pino), with when it was read here. */
export interface LoggedLine {
  /** Name of the process that logged it. */
  readonly process: string;
  /** The parsed line. */
  readonly fields: Readonly<Record<string, unknown>>;
  /** Its `time` field (pino ISO time) as ms since the epoch; NaN when absent. */
  readonly timeMs: number;
  /** When this process read it, ms since the epoch (`performance.timeOrigin + performance.now()`). */
  readonly readAtMs: number;
}

/**
 * Follows the stdout of `processes` (gateways logging one JSON object per line) and keeps every
 * line whose `msg` is `message`, from now on. Returns the list, which grows as lines arrive.
 */
export function followLogMessage(processes: readonly TestProcess[], message: string): LoggedLine[] {
  const found: LoggedLine[] = [];
  for (const p of processes) {
    let partial = "";
    p.child.stdout?.on("data", (chunk: Buffer) => {
      const readAtMs = performance.timeOrigin + performance.now();
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.includes(message)) continue;
        try {
          const fields = JSON.parse(line) as Record<string, unknown>;
          if (fields.msg !== message) continue;
          const timeMs = typeof fields.time === "string" ? Date.parse(fields.time) : Number.NaN;
          found.push({ process: p.name, fields, timeMs, readAtMs });
        } catch {
          // Not a JSON line.
        }
      }
    });
  }
  return found;
}
