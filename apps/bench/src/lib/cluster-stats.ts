import type { CallSample } from "./cluster-load.js";

/** Median of the finite `values` (NaN when there are none). */
export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The `p`-th percentile (0–100, nearest rank) of `values` (NaN when empty). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
  );
}

/** What the calls started in one time window amounted to. */
export interface WindowSummary {
  readonly calls: number;
  readonly failed: number;
  /** Calls per second over the window. */
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Failure reasons with the member called and their counts, e.g. `mm-1: 14:connect ECONNREFUSED … ×3`. */
  readonly errors: string;
}

/** When a call ended (`performance.now()` clock). */
export const endMs = (s: CallSample): number => s.startMs + s.latencyMs;

/**
 * Summarises the calls that ended in `[fromMs, toMs)` (all latencies, failed calls included). By
 * end, so a call in flight when an event happens counts with the event.
 */
export function summarizeWindow(samples: readonly CallSample[], fromMs: number, toMs: number): WindowSummary {
  const inWindow = samples.filter((s) => endMs(s) >= fromMs && endMs(s) < toMs);
  const latencies = inWindow.map((s) => s.latencyMs);
  const reasons = new Map<string, number>();
  for (const s of inWindow) {
    if (s.error === undefined) continue;
    const reason = `${s.member}: ${s.error}`;
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  return {
    calls: inWindow.length,
    failed: inWindow.filter((s) => s.error !== undefined).length,
    rps: inWindow.length / Math.max(0.001, (toMs - fromMs) / 1000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.reduce((a, b) => Math.max(a, b), 0),
    errors: [...reasons].map(([reason, n]) => `${reason} ×${n}`).join("; "),
  };
}

/** Formats milliseconds for a table. */
export const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(1) : "n/a");
