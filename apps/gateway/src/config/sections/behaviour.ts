import { boolean, integer, json, oneOf, text } from "../parsers.js";
import type { ConfigReader } from "../reader.js";

/** Log verbosity. */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error";

/** Mesh behaviour options. */
export interface BehaviourSection {
  /** `SHUTDOWN_TIMEOUT_MS`: budget for a graceful shutdown (keep equal to the pod's grace period). */
  readonly shutdownTimeoutMs: number;
  /**
   * `MM_SHUTDOWN_READINESS_GRACE_MS` (ours): after SIGTERM turns `/ready` 503, the external port
   * keeps serving open connections at least this long, so load balancers stop sending first.
   */
  readonly shutdownReadinessGraceMs: number;
  /** `MM_LOAD_FAILURE_EXPIRY_TIME_MS`: failure records expire after this (half for models in use). */
  readonly loadFailureExpiryMs: number;
  /** `MM_SCALEUP_RPM_THRESHOLD`: requests per minute per copy before another copy is added. */
  readonly scaleUpRpmThreshold: number;
  /** `MM_MULTI_PARALLELISM`: fan-out of one multi-model request. */
  readonly multiParallelism: number;
  /**
   * `MM_MAX_INFLIGHT_PER_MODEL_COPY`: with a runtime that limits model concurrency, calls one copy
   * admits (running and queued); 0 = max(16, 8 × maxConcurrency), negative = no bound.
   */
  readonly maxInflightPerCopy: number;
  /** `MM_CONC_SCALEUP_BANDWIDTH_PCT`: latency mode scale-up threshold, percent (10–200). */
  readonly concurrencyScaleUpBandwidthPct: number;
  /** `MM_LOG_LEVEL`: log verbosity. */
  readonly logLevel: LogLevel;
  /** `MM_LOG_EACH_INVOKE`: log every runtime invocation at info. */
  readonly logEachInvocation: boolean;
  /** `MM_LOG_REQUEST_HEADERS`: request header → log field name. */
  readonly logRequestHeaders: Readonly<Record<string, string>>;
  /** `BOOTSTRAP_CLEARANCE_PERIOD_MS`: startup fail-fast window. */
  readonly bootstrapClearanceMs: number;
  /** `MM_FAILFAST_UPGRADE_ENABLED`: startup fail-fast on/off. */
  readonly failFastUpgradeEnabled: boolean;
  /** `MM_DEFAULT_VMODEL_OWNER`: owner of vmodels created without one ("" = none). */
  readonly defaultVModelOwner: string;
}

const headerMap = json<Record<string, string>>((value) => {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { ok: false, error: "must be a JSON object" };
  const entries = Object.entries(value);
  if (entries.length === 0) return { ok: false, error: "must name at least one header" };
  if (!entries.every(([, v]) => typeof v === "string" && v.length > 0)) {
    return { ok: false, error: "values must be non-empty field names" };
  }
  return { ok: true, value: Object.fromEntries(entries.map(([k, v]) => [k.toLowerCase(), v as string])) };
});

/** Reads behaviour options. */
export function readBehaviourSection(r: ConfigReader): BehaviourSection {
  return {
    shutdownTimeoutMs: r.read(
      { env: "SHUTDOWN_TIMEOUT_MS", description: "graceful shutdown budget (ms)", default: 30_000 },
      integer(0),
    ),
    shutdownReadinessGraceMs: r.read(
      {
        env: "MM_SHUTDOWN_READINESS_GRACE_MS",
        description: "min time the external port serves open connections after /ready turns 503 (ms)",
        default: 2000,
      },
      integer(0),
    ),
    loadFailureExpiryMs: r.read(
      {
        env: "MM_LOAD_FAILURE_EXPIRY_TIME_MS",
        description: "load failure record expiry (ms)",
        default: 900_000,
      },
      integer(100),
    ),
    scaleUpRpmThreshold: r.read(
      {
        env: "MM_SCALEUP_RPM_THRESHOLD",
        description: "requests/min per copy that add a copy",
        default: 2000,
      },
      integer(1),
    ),
    multiParallelism: r.read(
      { env: "MM_MULTI_PARALLELISM", description: "parallelism of multi-model requests", default: 4 },
      integer(1, 1024),
    ),
    maxInflightPerCopy: r.read(
      {
        env: "MM_MAX_INFLIGHT_PER_MODEL_COPY",
        description:
          "latency-based mode: calls one copy admits, running and queued (0 = max(16, 8 × its concurrency), negative = no bound)",
        default: 0,
      },
      integer(Number.MIN_SAFE_INTEGER),
    ),
    concurrencyScaleUpBandwidthPct: r.read(
      {
        env: "MM_CONC_SCALEUP_BANDWIDTH_PCT",
        description: "latency mode scale-up bandwidth (%)",
        default: 90,
      },
      integer(10, 200),
    ),
    logLevel: r.read(
      { env: "MM_LOG_LEVEL", description: "log level", default: "info" as LogLevel },
      oneOf<LogLevel>("trace", "debug", "info", "warn", "error"),
    ),
    logEachInvocation: r.read(
      { env: "MM_LOG_EACH_INVOKE", description: "log each runtime invocation at info", default: false },
      boolean,
    ),
    logRequestHeaders: r.read(
      {
        env: "MM_LOG_REQUEST_HEADERS",
        description: "JSON map of request header → log field",
        default: {},
        defaultText: "",
      },
      headerMap,
    ),
    bootstrapClearanceMs: r.read(
      {
        env: "BOOTSTRAP_CLEARANCE_PERIOD_MS",
        description: "startup fail-fast window (ms)",
        default: 180_000,
      },
      integer(0),
    ),
    failFastUpgradeEnabled: r.read(
      {
        env: "MM_FAILFAST_UPGRADE_ENABLED",
        description: "abort readiness on startup load failures",
        default: true,
      },
      boolean,
    ),
    defaultVModelOwner: r.read(
      {
        env: "MM_DEFAULT_VMODEL_OWNER",
        description: "owner of vmodels created without one",
        default: "",
        defaultText: "",
      },
      text,
    ),
  };
}
