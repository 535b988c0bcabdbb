import type { MeshError } from "../errors.js";
import type { InstanceTable } from "../placement/instance-table.js";
import type { PlacementResult, ReadonlySetLike } from "../placement/types.js";
import type { Clock } from "../ports/clock.js";
import type { Random } from "../ports/random.js";
import type { InstanceRecord, ModelRecord } from "../records/types.js";
import type { LoadTimeView } from "./load-time-stats.js";

/**
 * How a request reached this instance (the original's `tas.internal` context key, §2.3):
 * `external` from a client; `internal` an ensureLoaded started inside the cluster (treated
 * like a client request); `hit_only` forwarded to a holder, served from the local cache or
 * failed with not-here; `load_local_only` forwarded to a chosen load target.
 */
export type HopType = "external" | "internal" | "hit_only" | "load_local_only";

/** The three kinds of request one routing algorithm serves (§2.3). */
export type RequestKind = "inference" | "status" | "ensure-loaded";

/** One copy of a model: the instance and its load start time (the registry's `instanceIds` entry). */
export interface CopyRef {
  readonly instanceId: string;
  readonly loadTimestampMs: number;
}

/** What is being routed. */
export interface RouteRequest {
  readonly kind: RequestKind;
  readonly modelId: string;
  /** Default `external`. */
  readonly hop?: HopType;
  /** The source already spread requests evenly (`mm-balanced`, §2.2). */
  readonly balanced: boolean;
  /** The runtime limits model concurrency (latency mode): balanced hits then compete instead of staying local. */
  readonly limitModelConcurrency?: boolean;
  /** ensureLoaded's `lastUsedTime` (epoch ms, 0 = now, negative treated as now). Inference uses now; status never touches. */
  readonly lastUsedMs?: number;
  /** ensureLoaded's `excludeInstances`: neither copies to use nor load targets, on every hop. */
  readonly explicitExcludes?: ReadonlySet<string>;
  /** Copies already tried upstream (`tas.ch_excludes`). */
  readonly cacheHitExcludes?: readonly CopyRef[];
  /** Instances where upstream already attempted a load (`tas.cm_excludes`). */
  readonly cacheMissExcludes?: readonly string[];
}

/** States of a local cache entry (§6.1). */
export type LocalCopyState =
  | "NEW"
  | "QUEUED"
  | "WAITING"
  | "LOADING"
  | "SIZING"
  | "ACTIVE"
  | "FAILED"
  | "REMOVED";

/** What routing needs to know about a local cache entry. */
export interface LocalCopyView {
  readonly state: LocalCopyState;
  /** When its load started (epoch ms): the timestamp it is registered with. */
  readonly loadTimestampMs: number;
}

/** The local cache as routing sees it; reading must not touch the entry's LRU time. */
export interface LocalCacheView {
  get(modelId: string): LocalCopyView | undefined;
}

/** Per-destination request statistics of this instance (§2.4). */
export interface PeerStatsView {
  /** Whether the instance can be reached now (a live registration). */
  isReachable(instanceId: string): boolean;
  /** Requests this instance has in flight to it; for this instance's own id, local invocations in flight. */
  inFlight(instanceId: string): number;
  /** When a request to it last completed (epoch ms); for this instance's own id, the last local invocation. */
  lastUsedMs(instanceId: string): number;
}

/** Type-constraint answers, computed from labels elsewhere (§9.7). */
export interface TypeConstraintView {
  /** Instances with every required label; `undefined` when the type is unconstrained. */
  allowedInstances(modelType: string): ReadonlySet<string> | undefined;
  /** Preferred instances; `undefined` when there is no preference. */
  preferredInstances(modelType: string): ReadonlySetLike | undefined;
  /** The type's required labels, for error messages. */
  requiredLabels(modelType: string): readonly string[];
}

/** The registry as routing sees it (the store watch's in-memory table). */
export interface ModelTableView {
  get(modelId: string): ModelRecord | undefined;
}

/**
 * Everything routing reads besides the request: long-lived views the server keeps current.
 * Build it once and replace `instances` when the instance table changes; nothing here is
 * copied per request.
 */
export interface RoutingContext {
  readonly models: ModelTableView;
  /** Live instances (also gives this instance's id and the placement thresholds). */
  readonly instances: InstanceTable;
  /** This instance's record computed from its cache now (used on cache misses only). */
  readonly freshSelfRecord?: () => InstanceRecord | undefined;
  readonly cache: LocalCacheView;
  readonly peers: PeerStatsView;
  readonly loadTimes: LoadTimeView;
  readonly typeConstraints?: TypeConstraintView;
  /** ReplicaSets the upgrade tracker believes are being replaced (§9.4). */
  readonly replacedReplicaSets?: ReadonlySetLike;
  readonly clock: Clock;
  readonly random: Random;
  /** Failures younger than this count as recent (`IN_USE_LOAD_FAILURE_EXPIRY_MS`). Default 450 000 (7.5 min). */
  readonly inUseLoadFailureExpiryMs?: number;
  /** Read-only mode (§9.8): ignore copies on instances missing from the instance table. */
  readonly readOnly?: boolean;
}

/** The next thing the driver must do. */
export type RouteStep =
  /** The registry has no record in the snapshot: read it strongly and report `record-changed`. */
  | { readonly kind: "read-record"; readonly modelId: string }
  /** Serve from the local cache entry (waiting for it if it is still loading). */
  | { readonly kind: "serve-local"; readonly loadTimestampMs: number }
  /** Forward with hop `hit_only` to a holder of a copy. */
  | { readonly kind: "forward-hit"; readonly instanceId: string; readonly loadTimestampMs: number }
  /** Forward with hop `load_local_only`, carrying the exclusion lists, to a load target. */
  | {
      readonly kind: "forward-load";
      readonly instanceId: string;
      readonly cacheHitExcludes: readonly CopyRef[];
      readonly cacheMissExcludes: readonly string[];
      readonly placement: PlacementResult;
    }
  /** Load here (register the copy, queue the load) and then serve. */
  | { readonly kind: "load-local"; readonly placement?: PlacementResult }
  /** The registry lists a local copy the cache lacks: remove the registration, report `record-changed`. */
  | { readonly kind: "deregister-self"; readonly loadTimestampMs: number }
  /** Answer a status or ensureLoaded request with this status (no copy is usable). */
  | {
      readonly kind: "status";
      readonly status: "NOT_LOADED" | "LOADING_FAILED";
      readonly failure?: MeshError;
      readonly record?: ModelRecord;
    }
  /** Give up with this error. */
  | { readonly kind: "fail"; readonly error: MeshError };

/** What happened when the driver performed a step (success ends the request; it is not reported). */
export type RouteOutcome =
  /**
   * The step failed. `localCopyGone`: a local copy was dropped from the cache (e.g. the runtime
   * said NOT_FOUND) and is being deregistered, so this instance may load it again.
   */
  | { readonly kind: "failed"; readonly error: MeshError; readonly localCopyGone?: boolean }
  /** The registry record changed under the step (or was read strongly): here is the fresh one, or none. */
  | { readonly kind: "record-changed"; readonly record: ModelRecord | undefined }
  /** `load-local`: the new entry was evicted at once (too old or too large for this cache, §4.1). */
  | { readonly kind: "fell-through" };
