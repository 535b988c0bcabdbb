import { type CopyRef, MeshError } from "@modelmesh/core";
import { MAX_MODEL_ID_BYTES, MAX_VMODEL_ID_BYTES } from "../service/request-limits.js";

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

// Bounds of the other routing hints. Senders today send chain count 0, weight 1 and no known size;
// the bounds leave room for future senders while refusing values no real request carries, so a
// caller of the peer port cannot ask for absurd chains, sizes or weights.

/**
 * Longest instance id in a routing context (exclusion lists, destination), UTF-8 bytes. Instance
 * ids are 12 characters of a pod name or `<hostname>-<port>` (a Linux host name has at most 64
 * characters); `MM_INSTANCE_ID` is held to the same limit at start.
 */
export const MAX_INSTANCE_ID_BYTES = 256;

/** Most further copies one request may chain (`tas.chain_load_count`): more than a model ever gets. */
export const MAX_CHAIN_LOAD_COUNT = 64;

/** Largest known model size, 8 KiB units: 2^31 units = 16 TiB, beyond any runtime's memory. */
export const MAX_KNOWN_SIZE_UNITS = 2 ** 31;

/** Largest request weight for rate accounting (`tas.batch_mult`): a batch of 65 536 requests. */
export const MAX_WEIGHT = 65_536;

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
  const tooLong =
    sizeProblem("model id", context.modelId, MAX_MODEL_ID_BYTES) ??
    sizeProblem("vmodel id", context.vModelId ?? "", MAX_VMODEL_ID_BYTES) ??
    sizeProblem("destination instance id", context.destinationInstanceId ?? "", MAX_INSTANCE_ID_BYTES) ??
    instanceIdsProblem(
      "cache-hit excludes",
      context.cacheHitExcludes.map((c) => c.instanceId),
    ) ??
    instanceIdsProblem("cache-miss excludes", context.cacheMissExcludes);
  if (tooLong !== undefined) return tooLong;
  for (const copy of context.cacheHitExcludes) {
    if (copy.instanceId === "") return "empty instance id in cache-hit excludes";
    if (!Number.isSafeInteger(copy.loadTimestampMs)) return "cache-hit exclude timestamp is not an integer";
  }
  if (context.cacheMissExcludes.includes("")) return "empty instance id in cache-miss excludes";
  if (context.knownSizeUnits !== undefined && !isCount(context.knownSizeUnits))
    return "known size is not a non-negative integer";
  if (context.knownSizeUnits !== undefined && context.knownSizeUnits > MAX_KNOWN_SIZE_UNITS)
    return `known size ${context.knownSizeUnits} units is more than the limit of ${MAX_KNOWN_SIZE_UNITS}`;
  if (!isCount(context.chainLoadCount)) return "chain count is not a non-negative integer";
  if (context.chainLoadCount > MAX_CHAIN_LOAD_COUNT)
    return `chain count ${context.chainLoadCount} is more than the limit of ${MAX_CHAIN_LOAD_COUNT}`;
  if (!isCount(context.weight) || context.weight < 1) return "weight is not a positive integer";
  if (context.weight > MAX_WEIGHT) return `weight ${context.weight} is more than the limit of ${MAX_WEIGHT}`;
  if (context.destinationInstanceId === "") return "empty destination instance id";
  return undefined;
}

/** "<what> is <n> bytes, more than the limit of <limit>" when `text` is too long in UTF-8. */
function sizeProblem(what: string, text: string, limitBytes: number): string | undefined {
  if (text.length * 3 <= limitBytes) return undefined;
  const bytes = Buffer.byteLength(text, "utf8");
  return bytes > limitBytes ? `${what} is ${bytes} bytes, more than the limit of ${limitBytes}` : undefined;
}

/** The first instance id of a list that is longer than {@link MAX_INSTANCE_ID_BYTES}, described. */
export function instanceIdsProblem(what: string, ids: readonly string[]): string | undefined {
  for (const id of ids) {
    const problem = sizeProblem(`an instance id in ${what}`, id, MAX_INSTANCE_ID_BYTES);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function isCount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}
