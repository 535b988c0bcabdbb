/**
 * Domain shapes of the three records the mesh keeps in its KV store. Field comments give the
 * JSON name used in the store (identical to KServe ModelMesh, so existing registrations are
 * read as they are). Codecs live next to this file; unknown JSON fields are kept in `extra` and
 * written back unchanged on read-modify-write.
 */

/** Unknown JSON fields of a stored record, preserved through read-modify-write. */
export type ExtraFields = Readonly<Record<string, unknown>>;

/** A registered model (`registry/<modelId>`). */
export interface ModelRecord {
  /** `type`: model type; "NLCLASSIFIER" when absent in stored JSON (legacy default). */
  readonly type: string;
  /** `mPath`: opaque model path for the runtime; absent when empty. */
  readonly path?: string;
  /** `encKey`: opaque model key for the runtime; absent when empty. */
  readonly key?: string;
  /** `instanceIds`: instance id → load start time (epoch ms), for copies loaded or loading. */
  readonly instanceIds: Readonly<Record<string, number>>;
  /** `failedIn`: instance id → time (epoch ms) of a recent load failure there. */
  readonly failedIn: Readonly<Record<string, number>>;
  /** `fails`: instance id → failure message (`{ "msg": ... }` in JSON). */
  readonly failureMessages: Readonly<Record<string, string>>;
  /** `refs`: how many vmodels refer to this model; never below 0. */
  readonly refs: number;
  /** `autoDel`: delete the model when `refs` drops to 0. */
  readonly autoDelete: boolean;
  /** `lu`: last-used time (epoch ms), maintained lazily. 0 when unknown. */
  readonly lastUsedMs: number;
  /** `lul`: last unload time (epoch ms); 0 unless more than two copies remained. */
  readonly lastUnloadMs: number;
  /** Unknown JSON fields (including the original's `actionable` flag). */
  readonly extra: ExtraFields;
}

/** A live mesh instance (`instances/<instanceId>`), written with the instance's session lease. */
export interface InstanceRecord {
  /** `startTime`: process start time, epoch ms. */
  readonly startTimeMs: number;
  /** `vers`: numeric version derived from the service version; newer is preferred. */
  readonly version: number;
  /** `loc`: location (node address); absent when unknown. */
  readonly location?: string;
  /** `zone`: availability zone; absent when unset. */
  readonly zone?: string;
  /** `labels`: sorted instance labels (type constraints match on them). */
  readonly labels: readonly string[];
  /**
   * `lruTime`: last-used time (epoch ms) of the least recently used local copy.
   * `Number.MAX_SAFE_INTEGER` when the cache is empty (the original writes Long.MAX_VALUE).
   */
  readonly lruTimeMs: number;
  /** `count`: copies in the local cache. */
  readonly count: number;
  /** `cap`: cache capacity in 8 KiB units, excluding the unload buffer. */
  readonly capacityUnits: number;
  /** `used`: used units, excluding the unload buffer. */
  readonly usedUnits: number;
  /** `lThreads`: loading concurrency. */
  readonly loadingThreads: number;
  /** `lInProg`: loads queued, waiting or running. */
  readonly loadsInProgress: number;
  /** `rpm`: requests per minute over the last minutes (busyness). */
  readonly rpm: number;
  /** `shutdown`: the instance is shutting down; treat the record as gone. */
  readonly shutdown: boolean;
  /**
   * `iep`: `host:port` of the instance's internal peer service (our extension; the original
   * kept this in a separate service registry).
   */
  readonly internalEndpoint?: string;
  /** Unknown JSON fields. */
  readonly extra: ExtraFields;
}

/** A vmodel (`vmodels/<vModelId>`): a mutable alias to a concrete model. */
export interface VModelRecord {
  /** `o`: owner; immutable after creation. */
  readonly owner?: string;
  /** `amid`: active model id (requests go here). */
  readonly activeModelId: string;
  /** `tmid`: target model id; equal to the active one when not transitioning. */
  readonly targetModelId: string;
  /** `failed`: the target failed to load (meaningful only while transitioning). */
  readonly targetFailed: boolean;
  /** Unknown JSON fields. */
  readonly extra: ExtraFields;
}

/** Size unit of the cache: 8 KiB, as in the original. */
export const UNIT_SIZE_BYTES = 8192;

/** Converts bytes to whole cache units, rounding up. */
export function bytesToUnits(bytes: number): number {
  return Math.ceil(bytes / UNIT_SIZE_BYTES);
}
