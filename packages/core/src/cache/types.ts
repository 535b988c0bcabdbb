import type { Clock } from "../ports/clock.js";
import type { CacheEntryState } from "./entry-state.js";

/**
 * A live, read-only view of one cache entry. The cache updates it in place (state, weight,
 * last-used time); once evicted or removed its state is `REMOVED` and it is no longer in the cache.
 * Pass it back to the cache's operations: it identifies this entry even after the same model id
 * has been inserted again.
 */
export interface CacheEntry<T> {
  /** Model id. */
  readonly id: string;
  /** What the server attached on insert (model info, load timestamp, counters, ...). */
  readonly data: T;
  /** Current state (§6.1). */
  readonly state: CacheEntryState;
  /** Current weight in 8 KiB units: 1 for a placeholder or a failed load, else the (predicted) size. */
  readonly weightUnits: number;
  /** Part of the weight requested but not yet claimed (loads that have not started). */
  readonly pendingUnits: number;
  /** Absolute last-used time (epoch ms): the entry's position in the cache. */
  readonly lastUsedMs: number;
}

/** An entry that left the cache (eviction or removal) and what the server must do about it. */
export interface DepartedEntry<T> {
  /** The entry, now `REMOVED`. */
  readonly entry: CacheEntry<T>;
  /** Its state before it left (LOADING: cancel the load; SIZING: cancel sizing; ...). */
  readonly previousState: CacheEntryState;
  /** Its weight when it left. */
  readonly weightUnits: number;
  /**
   * Units the server must unload from the runtime and then report with
   * `unloadCompleted(unloadUnits, ...)`; 0 when nothing is in runtime memory (or it is known gone).
   */
  readonly unloadUnits: number;
}

/** Result of inserting an entry. */
export type InsertResult<T> =
  /** Inserted; `evicted` lists the older entries that made room (unload them). */
  | {
      readonly kind: "inserted";
      readonly entry: CacheEntry<T>;
      readonly evicted: readonly DepartedEntry<T>[];
    }
  /** An entry with this id is already cached; nothing changed. */
  | { readonly kind: "exists"; readonly entry: CacheEntry<T> }
  /**
   * Too old and/or large for this cache: making room would mean evicting entries newer than it.
   * Nothing was inserted and nothing evicted (§4.1 "fall-through").
   */
  | { readonly kind: "fell-through" };

/** Result of resizing an entry. */
export type ResizeResult<T> =
  /** Resized; `evicted` lists the older entries that made room. */
  | { readonly kind: "resized"; readonly evicted: readonly DepartedEntry<T>[] }
  /**
   * The entry itself was evicted: room could only be made by evicting newer entries. `evicted`
   * holds just the entry (unload it if `unloadUnits > 0`).
   */
  | { readonly kind: "fell-through"; readonly evicted: readonly DepartedEntry<T>[] }
  /** The entry is no longer in the cache; nothing changed. */
  | { readonly kind: "not-in-cache" };

/** Result of trying to start a load. */
export type StartLoadResult =
  /** Space claimed; the entry is LOADING: call the runtime now. */
  | { readonly kind: "started" }
  /** Evicted models are still unloading; the entry is WAITING: try again when space frees. */
  | { readonly kind: "waiting" }
  /** The entry is no longer in the cache (evicted or removed meanwhile): abandon the load. */
  | { readonly kind: "not-in-cache" };

/** Result of reporting an unload outcome. */
export interface UnloadOutcome<T> {
  /** Units of capacity lost for good (a final unload failure, §6.7); 0 on success. */
  readonly capacityLostUnits: number;
  /** True when space became free: loads that are WAITING should try to start again. */
  readonly spaceFreed: boolean;
  /** Entries evicted because the capacity shrank. */
  readonly evicted: readonly DepartedEntry<T>[];
}

/** Figures the server publishes in its instance record (§1.4) and metrics. */
export interface CacheStats {
  /** `count`: entries in the cache (loading, loaded and failed). */
  readonly count: number;
  /** `used`: sum of entry weights, excluding the unload buffer. */
  readonly usedUnits: number;
  /** `cap`: capacity excluding the unload buffer's current weight. */
  readonly capacityUnits: number;
  /** `lruTime`: last-used time of the oldest entry; `Number.MAX_SAFE_INTEGER` when empty. */
  readonly lruTimeMs: number;
  /** Total runtime capacity including the buffer. */
  readonly totalCapacityUnits: number;
  /** The buffer's reserve R. */
  readonly reserveUnits: number;
  /** The buffer's current weight: `max(R, unloading − pending − deficit)`, at most the capacity. */
  readonly bufferUnits: number;
  /** Weight of evicted or removed models still unloading. */
  readonly unloadingUnits: number;
  /** Space requested by loads that have not started. */
  readonly pendingUnits: number;
  /** Over-allocation left by models that sized larger than predicted. */
  readonly deficitUnits: number;
}

/** Options for the weighted LRU cache. */
export interface WeightedLruCacheOptions {
  /** Total runtime capacity in 8 KiB units (the runtime's `capacityInBytes`, rounded down). */
  readonly capacityUnits: number;
  /** Unload buffer reserve R in units; see `unloadBufferUnits()`. Default 0 (no reserve). */
  readonly reserveUnits?: number;
  /** Where "now" comes from (a last-used time of 0 means now). */
  readonly clock: Clock;
}

/** Options of `WeightedLruCache.insert`. */
export interface InsertOptions<T> {
  /** Server data kept with the entry. */
  readonly data: T;
  /** Position (epoch ms); 0 or absent means now. Historical times are allowed (§4.1). */
  readonly lastUsedMs?: number;
  /** Initial weight in units. Default 1 (the placeholder weight, §4.3). */
  readonly weightUnits?: number;
}

/** Options of `WeightedLruCache.insertFailed`. */
export interface InsertFailedOptions<T> extends Omit<InsertOptions<T>, "weightUnits"> {
  /** Why it failed; requests hitting the entry fail with it. */
  readonly message: string;
}
