import { EMPTY_MAP } from "./json-read.js";
import type { ExtraFields, ModelRecord } from "./types.js";

/**
 * Pure helpers over {@link ModelRecord} (§1.3). Each returns a new record and leaves its input
 * untouched; when nothing changes it returns the input itself, so callers can skip a store
 * write with `next === record`.
 */

/** The shared empty `extra` of records created here (no unknown fields). */
export const noExtraFields: ExtraFields = EMPTY_MAP;

/** Options for {@link createModelRecord}. */
export interface CreateModelRecordOptions {
  /** Model type (required, non-empty in practice). */
  readonly type: string;
  /** Opaque model path for the runtime. */
  readonly path?: string;
  /** Opaque model key for the runtime. */
  readonly key?: string;
  /** Delete the model when its last vmodel reference goes. Default false. */
  readonly autoDelete?: boolean;
  /** Initial `lu` (epoch ms). Default 0 (unknown). */
  readonly lastUsedMs?: number;
}

/** A new registration with no copies, failures or references. */
export function createModelRecord(options: CreateModelRecordOptions): ModelRecord {
  return {
    type: options.type,
    ...(options.path ? { path: options.path } : {}),
    ...(options.key ? { key: options.key } : {}),
    instanceIds: EMPTY_MAP,
    failedIn: EMPTY_MAP,
    failureMessages: EMPTY_MAP,
    refs: 0,
    autoDelete: options.autoDelete ?? false,
    lastUsedMs: options.lastUsedMs ?? 0,
    lastUnloadMs: 0,
    extra: noExtraFields,
  };
}

/**
 * Moves `lu` forward to `lastUsedMs` (0 means `nowMs`); it never moves backwards.
 */
export function updateLastUsed(record: ModelRecord, lastUsedMs: number, nowMs: number): ModelRecord {
  const time = lastUsedMs === 0 ? nowMs : lastUsedMs;
  return time > record.lastUsedMs ? { ...record, lastUsedMs: time } : record;
}

/** What {@link addLoadFailure} records. */
export interface LoadFailure {
  /** Instance where the load failed. */
  readonly instanceId: string;
  /** When it failed (epoch ms). */
  readonly failedAtMs: number;
  /** Failure message; empty or absent removes any previous message. */
  readonly message?: string;
}

/**
 * Records a load failure: `failedIn[instance] = time`, the message in `fails`, and the instance
 * removed from `instanceIds` (an instance is never in both maps).
 */
export function addLoadFailure(record: ModelRecord, failure: LoadFailure): ModelRecord {
  const { instanceId, failedAtMs, message } = failure;
  return {
    ...record,
    instanceIds: without(record.instanceIds, instanceId),
    failedIn: { ...record.failedIn, [instanceId]: failedAtMs },
    failureMessages: message
      ? { ...record.failureMessages, [instanceId]: message }
      : without(record.failureMessages, instanceId),
  };
}

/**
 * Removes the failure record of `instanceId` from `failedIn` and `fails`. With `failedAtMs`,
 * only a failure recorded at exactly that time is removed (a newer failure stays).
 */
export function removeLoadFailure(record: ModelRecord, instanceId: string, failedAtMs?: number): ModelRecord {
  const recorded = record.failedIn[instanceId];
  if (failedAtMs !== undefined && recorded !== failedAtMs) return record;
  if (recorded === undefined && !Object.hasOwn(record.failureMessages, instanceId)) return record;
  return {
    ...record,
    failedIn: without(record.failedIn, instanceId),
    failureMessages: without(record.failureMessages, instanceId),
  };
}

/**
 * Registers a copy loading or loaded on `instanceId` since `loadStartMs`, dropping any failure
 * record of that instance (§6.2 step 5).
 */
export function addCopy(record: ModelRecord, instanceId: string, loadStartMs: number): ModelRecord {
  const withCopy = { ...record, instanceIds: { ...record.instanceIds, [instanceId]: loadStartMs } };
  return removeLoadFailure(withCopy, instanceId);
}

/** What {@link removeCopy} removes. */
export interface RemoveCopyOptions {
  /** Instance whose copy goes. */
  readonly instanceId: string;
  /** Current time (epoch ms), for `lul`. */
  readonly nowMs: number;
  /** Remove only the registration with this load time (a newer copy stays). */
  readonly loadStartMs?: number;
}

/**
 * Deregisters the copy on `instanceId` and updates `lul` the original's way: `now` when more than
 * two copies remain, else 0 (only the ≥ 3-copy scale-down reads it, §5.5).
 */
export function removeCopy(record: ModelRecord, options: RemoveCopyOptions): ModelRecord {
  const registered = record.instanceIds[options.instanceId];
  if (registered === undefined) return record;
  if (options.loadStartMs !== undefined && registered !== options.loadStartMs) return record;
  const instanceIds = without(record.instanceIds, options.instanceId);
  const lastUnloadMs = Object.keys(instanceIds).length > 2 ? options.nowMs : 0;
  return { ...record, instanceIds, lastUnloadMs };
}

/** Adds one vmodel reference. */
export function incRefCount(record: ModelRecord): ModelRecord {
  return { ...record, refs: record.refs + 1 };
}

/** Drops one vmodel reference; never below 0. */
export function decRefCount(record: ModelRecord): ModelRecord {
  return record.refs > 0 ? { ...record, refs: record.refs - 1 } : record;
}

/** A copy of `map` without `id` (the shared empty map when nothing is left). */
function without<V>(map: Readonly<Record<string, V>>, id: string): Readonly<Record<string, V>> {
  if (!Object.hasOwn(map, id)) return map;
  const { [id]: _removed, ...rest } = map;
  return Object.keys(rest).length === 0 ? EMPTY_MAP : rest;
}
