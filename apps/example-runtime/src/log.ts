/** Fields of one log line. */
export type LogFields = Readonly<Record<string, unknown>>;

/** Where the example runtime writes its event lines. */
export interface EventLog {
  /** Writes one JSON line `{ "time", "event", ...fields }`. */
  event(event: string, fields?: LogFields): void;
}

/**
 * Logs one JSON object per line on stdout: easy to read, and tests wait for events such as
 * `model-loaded` or `call-cancelled` by matching lines.
 */
export function stdoutEventLog(): EventLog {
  return {
    event(event, fields = {}) {
      process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), event, ...fields })}\n`);
    },
  };
}

/** A log that drops everything (in-process use, benchmarks). */
export const silentEventLog: EventLog = { event() {} };
