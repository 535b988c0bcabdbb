/** Statistics of one measured operation. */
export interface Measurement {
  readonly name: string;
  /** Median time per operation, nanoseconds. */
  readonly medianNs: number;
  /** 99th percentile time per operation, nanoseconds (over batches). */
  readonly p99Ns: number;
  /** Operations per second at the median. */
  readonly opsPerSec: number;
  /** Operations timed in total. */
  readonly operations: number;
}

/** Options for {@link measureSync}. */
export interface MeasureOptions {
  /** Operations per timed batch (timer resolution matters below ~1 µs). Default 100. */
  readonly batchSize?: number;
  /** Timed batches. Default 200. */
  readonly batches?: number;
  /** Untimed warm-up batches. Default 20. */
  readonly warmupBatches?: number;
}

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/**
 * Times a synchronous operation in batches and reports the per-operation median and p99.
 * `op` receives the operation index so it can vary its input.
 */
export function measureSync(
  name: string,
  op: (i: number) => unknown,
  options: MeasureOptions = {},
): Measurement {
  const batchSize = options.batchSize ?? 100;
  const batches = options.batches ?? 200;
  const warmup = options.warmupBatches ?? 20;
  let sink: unknown;
  let i = 0;
  const perOp: number[] = [];
  for (let b = 0; b < warmup + batches; b++) {
    const start = process.hrtime.bigint();
    for (let k = 0; k < batchSize; k++) sink = op(i++);
    const elapsed = Number(process.hrtime.bigint() - start);
    if (b >= warmup) perOp.push(elapsed / batchSize);
  }
  if (sink === Symbol.for("never")) console.log(sink);
  perOp.sort((a, b) => a - b);
  const medianNs = percentile(perOp, 50);
  return {
    name,
    medianNs,
    p99Ns: percentile(perOp, 99),
    opsPerSec: 1e9 / medianNs,
    operations: batchSize * batches,
  };
}

/** Formats nanoseconds for humans (ns, µs or ms). */
export function formatNs(ns: number): string {
  if (ns < 1000) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1000).toFixed(2)} µs`;
  return `${(ns / 1e6).toFixed(2)} ms`;
}
