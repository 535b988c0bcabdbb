import { MeshError } from "../errors.js";
import type { CopyRef, HopType } from "./types.js";

/** Keys of the string map that travels with forwarded requests (§2.3), as the original named them. */
export const routingContextKeys = {
  /** Hop type; absent for client requests. */
  hop: "tas.internal",
  /** Copies already tried: `id1,loadTs1,id2,loadTs2`. */
  cacheHitExcludes: "tas.ch_excludes",
  /** Instances where a load was already attempted: `id1,id2`. */
  cacheMissExcludes: "tas.cm_excludes",
  /** Known model size in units, sent with internal loads. */
  knownSize: "tas.known_size",
  /** Remaining chained copies to load (§5.3). */
  chainLoadCount: "tas.chain_load_count",
  /** Request weight for rate accounting. */
  batchMultiplier: "tas.batch_mult",
  /** `"true"` when the source was unbalanced. */
  unbalanced: "mmesh.unbalanced",
  /** Intended destination instance id. */
  destinationId: "tas.dest_iid",
  /** VModel id, for metrics labels. */
  vModelId: "vmodelid",
  /** Full gRPC method name of a forwarded inference call. */
  grpcMethod: "tas.grpc.method",
} as const;

const hopValues: Readonly<Record<Exclude<HopType, "external">, string>> = {
  internal: "internal",
  hit_only: "hit_only",
  load_local_only: "load_local_only",
};

/**
 * Reads the hop type from the `tas.internal` value: absent → external; any value other than
 * `internal` and `hit_only` (including the unused `force_local_load`) → `load_local_only`,
 * as the original treated it.
 */
export function parseHopType(value: string | undefined): HopType {
  if (value === undefined) return "external";
  if (value === "internal" || value === "hit_only") return value;
  return "load_local_only";
}

/** The `tas.internal` value for a hop type (undefined for external requests). */
export function formatHopType(hop: HopType): string | undefined {
  return hop === "external" ? undefined : hopValues[hop];
}

/** Formats copies as `tas.ch_excludes`: `id1,loadTs1,id2,loadTs2`. */
export function formatCacheHitExcludes(copies: readonly CopyRef[]): string {
  return copies.map((c) => `${c.instanceId},${c.loadTimestampMs}`).join(",");
}

/**
 * Parses `tas.ch_excludes`. An empty string is an empty list.
 *
 * @throws MeshError `INTERNAL` "Invalid cache hit exclude string: …" (as the original) when
 *   the pairs are incomplete or a timestamp is not an integer.
 */
export function parseCacheHitExcludes(text: string): CopyRef[] {
  if (text === "") return [];
  const parts = text.split(",");
  const copies: CopyRef[] = [];
  for (let i = 0; i < parts.length; i += 2) {
    const instanceId = parts[i] as string;
    const stamp = parts[i + 1];
    if (stamp === undefined || !/^-?\d+$/.test(stamp)) {
      throw new MeshError("INTERNAL", `Invalid cache hit exclude string: ${text}`);
    }
    copies.push({ instanceId, loadTimestampMs: Number(stamp) });
  }
  return copies;
}

/** Formats instance ids as `tas.cm_excludes`: `id1,id2`. */
export function formatCacheMissExcludes(instanceIds: Iterable<string>): string {
  return [...instanceIds].join(",");
}

/** Parses `tas.cm_excludes`; an empty string is an empty list. */
export function parseCacheMissExcludes(text: string): string[] {
  return text === "" ? [] : text.split(",");
}
