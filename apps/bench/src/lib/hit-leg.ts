import { create, toBinary } from "@bufbuild/protobuf";
import { PredictRequestSchema } from "@modelmesh/proto";
import { type H2loadResult, runH2load } from "./h2load.js";
import { processesCpuUs } from "./proc-stats.js";

/** The gRPC path every hit-path leg calls. */
export const PREDICT_PATH = "/mmesh.ExamplePredictor/predict";

/** A framed `ExamplePredictor/predict` request (5-byte gRPC prefix + protobuf), as h2load sends it. */
export function framedPredictRequest(modelName: string, text: string): Buffer {
  const message = toBinary(PredictRequestSchema, create(PredictRequestSchema, { modelName, text }));
  const body = Buffer.alloc(5 + message.length);
  body.writeUInt32BE(message.length, 1);
  body.set(message, 5);
  return body;
}

/** One h2load run of a leg, and the CPU time the processes it passes through spent per call. */
export interface HitLegRun {
  readonly result: H2loadResult;
  /** CPU µs per call of `proxyPids` (0 when there are none). */
  readonly proxyCpuUsPerCall: number;
  /** CPU µs per call of `runtimePids`. */
  readonly runtimeCpuUsPerCall: number;
}

/** Options for {@link runHitLeg}. */
export interface HitLegOptions {
  /** Port the leg's calls go to (127.0.0.1, h2c unless `tls`). */
  readonly port: number;
  /** Speak TLS (h2 by ALPN; h2load does not check the certificate). */
  readonly tls?: boolean;
  readonly body: Uint8Array;
  /** Request headers, e.g. `{ "mm-model-id": "m" }`. */
  readonly headers: Readonly<Record<string, string>>;
  readonly streams: number;
  readonly durationS: number;
  readonly warmUpS: number;
  /** The proxying process(es) whose CPU per call is reported. */
  readonly proxyPids: readonly number[];
  /** The runtime process(es). */
  readonly runtimePids: readonly number[];
}

/**
 * Runs h2load once against a leg (one connection, `streams` concurrent streams) and reads the CPU
 * time of the proxy and runtime processes around the run, from /proc (10 ms ticks). CPU is read
 * over warm-up + measured time while h2load counts the measured requests only, so the calls of
 * the whole run are estimated at the measured rate.
 */
export async function runHitLeg(options: HitLegOptions): Promise<HitLegRun> {
  const proxyBefore = processesCpuUs(options.proxyPids);
  const runtimeBefore = processesCpuUs(options.runtimePids);
  const result = await runH2load({
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${options.port}${PREDICT_PATH}`,
    body: options.body,
    headers: options.headers,
    streams: options.streams,
    durationS: options.durationS,
    warmUpS: options.warmUpS,
  });
  const calls = Math.max(1, (result.requests * (options.durationS + options.warmUpS)) / options.durationS);
  return {
    result,
    proxyCpuUsPerCall: (processesCpuUs(options.proxyPids) - proxyBefore) / calls,
    runtimeCpuUsPerCall: (processesCpuUs(options.runtimePids) - runtimeBefore) / calls,
  };
}

/** One line on a leg run, for progress on stderr. */
export function describeLegRun(label: string, run: HitLegRun): string {
  const r = run.result;
  return (
    `${label}: ${Math.round(r.rps)} req/s, p50 ${Math.round(r.p50Us)} µs, p99 ${Math.round(r.p99Us)} µs, ` +
    `proxy CPU ${run.proxyCpuUsPerCall.toFixed(0)} µs/call, failed ${r.failed}`
  );
}
