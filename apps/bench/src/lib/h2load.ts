import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** One h2load run: gRPC unary calls with a pre-framed body, for a fixed time. */
export interface H2loadRun {
  /** Full URL including the gRPC path, e.g. `http://127.0.0.1:8085/mmesh.ExamplePredictor/predict`. */
  readonly url: string;
  /** The framed request message (5-byte gRPC prefix + protobuf bytes). */
  readonly body: Uint8Array;
  /** Extra request headers (`content-type: application/grpc` and `te: trailers` are always sent). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Concurrent streams on the one connection. */
  readonly streams: number;
  /** Measured seconds. */
  readonly durationS: number;
  /** Unmeasured warm-up seconds before. */
  readonly warmUpS: number;
}

/** What one run measured. Latencies are per request, microseconds, from h2load's per-request log. */
export interface H2loadResult {
  readonly requests: number;
  readonly failed: number;
  readonly rps: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly meanUs: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
  );
}

/**
 * Runs `/usr/bin/h2load` (nghttp2-client) once with one client connection (`-c 1 -t 1`) and
 * `streams` concurrent streams, and reads throughput from its summary and latency percentiles
 * from its `--log-file` (one line per request: start µs, HTTP status, duration µs). Async, so
 * an in-process server under test keeps running.
 */
export async function runH2load(run: H2loadRun): Promise<H2loadResult> {
  const dir = mkdtempSync(join(tmpdir(), "mm-h2load-"));
  const bodyFile = join(dir, "body.bin");
  const logFile = join(dir, "requests.log");
  writeFileSync(bodyFile, run.body);
  const headers = { "content-type": "application/grpc", te: "trailers", ...run.headers };
  const args = [
    "-c1",
    "-t1",
    `-m${run.streams}`,
    `-D${run.durationS}`,
    `--warm-up-time=${run.warmUpS}`,
    "-d",
    bodyFile,
    `--log-file=${logFile}`,
    ...Object.entries(headers).flatMap(([name, value]) => ["-H", `${name}: ${value}`]),
    run.url,
  ];
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile("h2load", args, { maxBuffer: 16 * 1024 * 1024 }, (error, out, err) =>
        error ? reject(new Error(`h2load failed: ${error.message}\n${out}\n${err}`)) : resolve(out),
      );
    });
    const summary = /requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed/.exec(
      stdout,
    );
    const rps = /finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(stdout);
    if (summary === null || rps === null) throw new Error(`cannot read h2load output:\n${stdout}`);
    const latencies = readFileSync(logFile, "utf8")
      .trim()
      .split("\n")
      .map((line) => Number(line.split("\t")[2]))
      .filter((us) => Number.isFinite(us))
      .sort((a, b) => a - b);
    return {
      requests: Number(summary[1]),
      failed: Number(summary[3]),
      rps: Number(rps[1]),
      p50Us: percentile(latencies, 50),
      p99Us: percentile(latencies, 99),
      meanUs: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
