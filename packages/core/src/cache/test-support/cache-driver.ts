import type { ManualClock } from "../../ports/clock.js";
import type { CacheEntry, DepartedEntry } from "../types.js";
import type { WeightedLruCache } from "../weighted-lru-cache.js";

/** Units per MiB. */
export const MIB = 128;

/** What one model load did. */
export interface LoadReport {
  /** "loaded" (ACTIVE now), "waiting" (queued behind unloads) or "fell-through". */
  readonly outcome: "loaded" | "waiting" | "fell-through";
  /** Ids evicted by this load, oldest first (placeholder, prediction and real size together). */
  readonly evicted: readonly string[];
}

interface WaitingLoad {
  readonly entry: CacheEntry<string>;
  readonly realUnits: number;
}

interface PendingUnload {
  readonly dueMs: number;
  readonly units: number;
}

/**
 * Drives a cache the way the server will (§6.2): placeholder → predicted size → queue → start
 * (or wait for unloads) → loaded → real size → active; evicted models unload after
 * `unloadTimeMs`, and waiting loads retry whenever space frees. Time moves only by `advance`.
 */
export class CacheDriver {
  readonly #waiting: WaitingLoad[] = [];
  #unloads: PendingUnload[] = [];
  readonly evictedIds: string[] = [];

  constructor(
    readonly cache: WeightedLruCache<string>,
    readonly clock: ManualClock,
    readonly unloadTimeMs: number,
  ) {}

  /** Loads `id` predicted at `predictedUnits`, sizing to `realUnits` (default: the prediction). */
  load(id: string, options: { predictedUnits: number; realUnits?: number; lastUsedMs?: number }): LoadReport {
    const before = this.evictedIds.length;
    const inserted = this.cache.insert(id, { data: id, lastUsedMs: options.lastUsedMs ?? 0 });
    if (inserted.kind !== "inserted") return { outcome: "fell-through", evicted: [] };
    this.#departed(inserted.evicted);
    const entry = inserted.entry;
    const predicted = this.cache.resize(entry, options.predictedUnits);
    if (predicted.kind !== "resized") {
      return { outcome: "fell-through", evicted: this.evictedIds.slice(before) };
    }
    this.#departed(predicted.evicted);
    this.cache.enqueue(entry);
    const outcome = this.#start({ entry, realUnits: options.realUnits ?? options.predictedUnits });
    return { outcome, evicted: this.evictedIds.slice(before) };
  }

  /** Moves time forward, completing due unloads and starting loads that now fit. */
  advance(ms: number): void {
    this.clock.advance(ms);
    const now = this.clock.nowMs();
    const due = this.#unloads.filter((unload) => unload.dueMs <= now);
    this.#unloads = this.#unloads.filter((unload) => unload.dueMs > now);
    for (const unload of due) {
      const outcome = this.cache.unloadCompleted(unload.units, { succeeded: true });
      this.#departed(outcome.evicted);
      if (outcome.spaceFreed) this.#retryWaiting();
    }
  }

  /** Ids currently cached, oldest first. */
  cachedIds(): string[] {
    return this.cache.entries("lru-first").map((entry) => entry.id);
  }

  /** Number of unloads still in flight. */
  get unloadsInFlight(): number {
    return this.#unloads.length;
  }

  #start(load: WaitingLoad): "loaded" | "waiting" | "fell-through" {
    const started = this.cache.tryStartLoad(load.entry);
    if (started.kind === "waiting") {
      this.#waiting.push(load);
      return "waiting";
    }
    if (started.kind === "not-in-cache") return "fell-through";
    this.cache.markLoaded(load.entry, { sizing: true });
    const sized = this.cache.resize(load.entry, load.realUnits);
    if (sized.kind === "not-in-cache") return "fell-through";
    this.#departed(sized.evicted);
    if (sized.kind === "fell-through") return "fell-through";
    this.cache.markActive(load.entry);
    return "loaded";
  }

  #retryWaiting(): void {
    const waiting = this.#waiting.splice(0);
    for (const load of waiting) this.#start(load);
  }

  #departed(departed: readonly DepartedEntry<string>[]): void {
    for (const gone of departed) {
      this.evictedIds.push(gone.entry.id);
      if (gone.unloadUnits > 0) {
        this.#unloads.push({ dueMs: this.clock.nowMs() + this.unloadTimeMs, units: gone.unloadUnits });
      }
    }
  }
}
