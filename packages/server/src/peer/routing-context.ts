import { type CopyRef, MeshError } from "@modelmesh/core";

/** The hop types that cross the wire: the two kinds of forwarded request (behaviour §2.3). */
export type PeerHop = "hit_only" | "load_local_only";

/**
 * The routing context that travels with a forwarded request (the original's context map, §2.3),
 * decoded and validated. Carried as `mm-internal-*` headers on forwarded inference calls and as
 * the `RoutingContext` message of the `ModelStatus` operation.
 */
export interface PeerRoutingContext {
  /** The concrete model id (vmodels are resolved by the sender). Never empty. */
  readonly modelId: string;
  readonly hop: PeerHop;
  /** Copies already tried in this request flow (`tas.ch_excludes`). */
  readonly cacheHitExcludes: readonly CopyRef[];
  /** Instances where a load was already attempted in this request flow (`tas.cm_excludes`). */
  readonly cacheMissExcludes: readonly string[];
  /** Known model size, 8 KiB units (`tas.known_size`); absent when unknown. */
  readonly knownSizeUnits?: number;
  /** Remaining chained copies to load (`tas.chain_load_count`). Default 0. */
  readonly chainLoadCount: number;
  /** Request weight for rate accounting (`tas.batch_mult`). Default 1. */
  readonly weight: number;
  /** The instance the sender meant to reach (`tas.dest_iid`); absent when not checked. */
  readonly destinationInstanceId?: string;
  /** The vmodel id the client named, for metrics labels only. */
  readonly vModelId?: string;
}

/** The most entries an exclusion list may hold: far above any real request flow, a bound on garbage. */
export const MAX_EXCLUDES = 1024;

/** An expected outcome of the peer layer: a value, or a typed error (e.g. `INVALID_ARGUMENT` on garbage). */
export type PeerResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: MeshError };

/** An `INVALID_ARGUMENT` decode failure with a message naming the offending part. */
export function invalid<T>(message: string): PeerResult<T> {
  return { ok: false, error: new MeshError("INVALID_ARGUMENT", `invalid peer routing context: ${message}`) };
}

/** Returns the first problem of a context built from any source, or undefined when it is valid. */
export function contextProblem(context: PeerRoutingContext): string | undefined {
  if (context.modelId === "") return "empty model id";
  if (context.hop !== "hit_only" && context.hop !== "load_local_only") return `unknown hop "${context.hop}"`;
  if (context.cacheHitExcludes.length > MAX_EXCLUDES || context.cacheMissExcludes.length > MAX_EXCLUDES)
    return `more than ${MAX_EXCLUDES} excludes`;
  for (const copy of context.cacheHitExcludes) {
    if (copy.instanceId === "") return "empty instance id in cache-hit excludes";
    if (!Number.isSafeInteger(copy.loadTimestampMs)) return "cache-hit exclude timestamp is not an integer";
  }
  if (context.cacheMissExcludes.includes("")) return "empty instance id in cache-miss excludes";
  if (context.knownSizeUnits !== undefined && !isCount(context.knownSizeUnits))
    return "known size is not a non-negative integer";
  if (!isCount(context.chainLoadCount)) return "chain count is not a non-negative integer";
  if (!isCount(context.weight) || context.weight < 1) return "weight is not a positive integer";
  if (context.destinationInstanceId === "") return "empty destination instance id";
  return undefined;
}

function isCount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}
