import { MeshError } from "../errors.js";
import type { Clock } from "../ports/clock.js";
import { CacheNode, checkUnits, illegal } from "./cache-node.js";
import type { CacheEntryState } from "./entry-state.js";
import { canTransition, isPendingLoad } from "./entry-state.js";
import type { EvictionPlan } from "./eviction-plan.js";
import { departureOf, planEvictions } from "./eviction-plan.js";
import type { SpaceLedger } from "./space-ledger.js";
import * as ledgerOps from "./space-ledger.js";
import { TimeOrderedList } from "./time-ordered-list.js";
import type {
  CacheEntry,
  CacheStats,
  DepartedEntry,
  InsertFailedOptions,
  InsertOptions,
  InsertResult,
  ResizeResult,
  StartLoadResult,
  UnloadOutcome,
  WeightedLruCacheOptions,
} from "./types.js";

/**
 * The local model cache (§4): a weighted map ordered by absolute last-used time, with the unload
 * buffer of §4.4 and bounded eviction. Time comes from the injected clock; nothing here blocks
 * or calls out. Operations return what happened (entries evicted, fall-through, waiting) and the
 * server acts on it: unloads evicted models, reports unload outcomes, retries waiting loads.
 *
 * Typical load (§6.2): `insert` a weight-1 placeholder at the model's last-used time →
 * `resize` to the predicted size → `enqueue` → `tryStartLoad` (WAITING until evicted models
 * finish unloading) → `markLoaded` → `resize` to the real size → `markActive`; `fail` on error.
 * One instance per mesh process: it is a long-lived stateful resource, hence a class. The class
 * only sequences operations; the arithmetic is in space-ledger.ts, the choice of victims in
 * eviction-plan.ts and the ordering in time-ordered-list.ts.
 */
export class WeightedLruCache<T> {
  readonly #clock: Clock;
  readonly #byId = new Map<string, CacheNode<T>>();
  readonly #order = new TimeOrderedList<CacheNode<T>>();
  #ledger: SpaceLedger;

  constructor(options: WeightedLruCacheOptions) {
    const reserve = options.reserveUnits ?? 0;
    if (!Number.isSafeInteger(options.capacityUnits) || options.capacityUnits < 1) {
      throw new MeshError("INVALID_ARGUMENT", "cache capacity must be a positive integer of units");
    }
    if (!Number.isSafeInteger(reserve) || reserve < 0 || reserve > options.capacityUnits) {
      throw new MeshError("INVALID_ARGUMENT", "unload buffer reserve must be 0..capacity units");
    }
    this.#clock = options.clock;
    this.#ledger = ledgerOps.createSpaceLedger(options.capacityUnits, reserve);
  }

  /** Number of entries. */
  get size(): number {
    return this.#byId.size;
  }

  /** The entry for `id`, touched to now (the inference hot path: a map lookup, O(1)). */
  get(id: string): CacheEntry<T> | undefined {
    const node = this.#byId.get(id);
    if (node !== undefined) this.#touch(node, this.#clock.nowMs());
    return node;
  }

  /** The entry for `id` without touching it (status calls, §4.7). */
  peek(id: string): CacheEntry<T> | undefined {
    return this.#byId.get(id);
  }

  /** Moves an entry's last-used time forward to `lastUsedMs` (0 = now); never backwards. */
  touch(entry: CacheEntry<T> | string, lastUsedMs = 0): boolean {
    const node = typeof entry === "string" ? this.#byId.get(entry) : this.#own(entry);
    if (node === undefined) return false;
    this.#touch(node, this.#time(lastUsedMs));
    return true;
  }

  /**
   * Moves an entry to `lastUsedMs` even backwards. Only for the janitor's repair of an entry stuck
   * at a "never" time (§4.8); everything else uses {@link touch}.
   */
  repairLastUsed(entry: CacheEntry<T>, lastUsedMs: number): boolean {
    const node = this.#own(entry);
    if (node === undefined) return false;
    this.#order.unlink(node);
    node.lastUsedMs = lastUsedMs;
    this.#order.insert(node);
    return true;
  }

  /**
   * Inserts a NEW entry at its last-used time, evicting older entries if needed. Its weight is
   * requested space (borrowed from the unload buffer until the load starts, §4.4).
   */
  insert(id: string, options: InsertOptions<T>): InsertResult<T> {
    const weight = checkUnits(options.weightUnits ?? 1);
    const state: CacheEntryState = { kind: "NEW", sinceMs: this.#clock.nowMs() };
    return this.#insert(
      id,
      new CacheNode(id, options.data, state, weight, weight, this.#time(options.lastUsedMs)),
    );
  }

  /**
   * Inserts an entry that is FAILED from the start (weight 1), e.g. the short-lived placeholder
   * after a store failure (§6.6). Any overflow is taken from the buffer first, as in the original.
   */
  insertFailed(id: string, options: InsertFailedOptions<T>): InsertResult<T> {
    const now = this.#clock.nowMs();
    const state: CacheEntryState = { kind: "FAILED", sinceMs: now, message: options.message };
    return this.#insert(id, new CacheNode(id, options.data, state, 1, 0, this.#time(options.lastUsedMs)));
  }

  /** True when an entry of `weightUnits` at `lastUsedMs` would be accepted now (§4.3 step 3). */
  fits(weightUnits: number, lastUsedMs = 0): boolean {
    const time = this.#time(lastUsedMs);
    const ledger = ledgerOps.requestUnits(this.#ledger, checkUnits(weightUnits));
    return !planEvictions(ledger, this.#order.oldest, (node) => node.lastUsedMs > time).blocked;
  }

  /** NEW → QUEUED: the load is in the server's queue. False when no longer cached. */
  enqueue(entry: CacheEntry<T>): boolean {
    const node = this.#own(entry);
    if (node === undefined) return false;
    this.#transition(node, { kind: "QUEUED", sinceMs: this.#clock.nowMs() });
    return true;
  }

  /**
   * Sets an entry's weight: the predicted size before its load starts (more borrowed space), the
   * measured size after (growth beyond free space becomes deficit, §4.3 step 5). Growth evicts
   * older entries only, and only as much as needed; if that is not enough the entry itself goes.
   */
  resize(entry: CacheEntry<T>, weightUnits: number): ResizeResult<T> {
    const node = this.#own(entry);
    if (node === undefined) return { kind: "not-in-cache" };
    const delta = checkUnits(weightUnits) - node.weightUnits;
    if (node.state.kind === "FAILED") throw illegal(`resize a failed entry (${node.id})`);
    if (delta === 0) return { kind: "resized", evicted: [] };
    const pending = isPendingLoad(node.state.kind);
    const ledger = pending
      ? ledgerOps.requestUnits(this.#ledger, delta)
      : delta > 0
        ? ledgerOps.growLoadedUnits(this.#ledger, delta)
        : ledgerOps.shrinkLoadedUnits(this.#ledger, -delta);
    node.weightUnits += delta;
    if (pending) node.pendingUnits += delta;
    const plan = planEvictions(ledger, this.#order.oldest, (candidate) => candidate === node);
    if (!plan.blocked) return { kind: "resized", evicted: this.#commit(plan) };
    this.#ledger = ledgerOps.departUnits(ledger, departureOf(node));
    return { kind: "fell-through", evicted: [this.#detach(node, departureOf(node))] };
  }

  /** True when the entry's requested space can be claimed now (§4.4 "may this load start"). */
  canStartLoad(entry: CacheEntry<T>): boolean {
    const node = this.#own(entry);
    return node !== undefined && ledgerOps.canClaim(this.#ledger, node.pendingUnits);
  }

  /** QUEUED/WAITING → LOADING when the space is there, else → WAITING. */
  tryStartLoad(entry: CacheEntry<T>): StartLoadResult {
    const node = this.#own(entry);
    if (node === undefined) return { kind: "not-in-cache" };
    const now = this.#clock.nowMs();
    if (!ledgerOps.canClaim(this.#ledger, node.pendingUnits)) {
      if (node.state.kind !== "WAITING") this.#transition(node, { kind: "WAITING", sinceMs: now });
      return { kind: "waiting" };
    }
    this.#transition(node, { kind: "LOADING", sinceMs: now });
    this.#ledger = ledgerOps.claimUnits(this.#ledger, node.pendingUnits);
    node.pendingUnits = 0;
    return { kind: "started" };
  }

  /** LOADING → SIZING (size still to measure) or ACTIVE. False when no longer cached. */
  markLoaded(entry: CacheEntry<T>, options: { readonly sizing: boolean }): boolean {
    const node = this.#own(entry);
    if (node === undefined) return false;
    this.#transition(node, { kind: options.sizing ? "SIZING" : "ACTIVE", sinceMs: this.#clock.nowMs() });
    return true;
  }

  /** SIZING → ACTIVE. False when no longer cached. */
  markActive(entry: CacheEntry<T>): boolean {
    const node = this.#own(entry);
    if (node === undefined) return false;
    this.#transition(node, { kind: "ACTIVE", sinceMs: this.#clock.nowMs() });
    return true;
  }

  /** → FAILED with weight 1; the rest of its space is released (§6.4). Never evicts. */
  fail(entry: CacheEntry<T>, message: string): boolean {
    const node = this.#own(entry);
    if (node === undefined) return false;
    this.#transition(node, { kind: "FAILED", sinceMs: this.#clock.nowMs(), message });
    // A load that never started returns its borrowed space and keeps 1 claimed unit; one that
    // started releases all but 1 unit like any shrink.
    this.#ledger =
      node.pendingUnits > 0
        ? ledgerOps.absorbOverflow(
            ledgerOps.growLoadedUnits(ledgerOps.requestUnits(this.#ledger, -node.pendingUnits), 1),
          )
        : ledgerOps.shrinkLoadedUnits(this.#ledger, node.weightUnits - 1);
    node.weightUnits = 1;
    node.pendingUnits = 0;
    return true;
  }

  /**
   * Removes an entry (unregistration, scale-down, janitor). A loading or loaded model keeps its
   * space until the server reports its unload; with `alreadyUnloaded` (the runtime said NOT_FOUND,
   * §2.6) the space is free at once. Undefined when the entry was no longer cached.
   */
  remove(
    entry: CacheEntry<T>,
    options: { readonly alreadyUnloaded?: boolean } = {},
  ): DepartedEntry<T> | undefined {
    const node = this.#own(entry);
    if (node === undefined) return undefined;
    const departure = departureOf(node, options.alreadyUnloaded ?? false);
    this.#ledger = ledgerOps.departUnits(this.#ledger, departure);
    return this.#detach(node, departure);
  }

  /**
   * Reports an unload the cache asked for (`unloadUnits` of a departed entry). Success frees the
   * space, repaying any deficit first; a final failure shrinks the capacity for good (§6.7), which
   * may evict the oldest entries.
   */
  unloadCompleted(units: number, options: { readonly succeeded: boolean }): UnloadOutcome<T> {
    if (checkUnits(units) > this.#ledger.unloadingUnits) throw illegal(`report ${units} units unloaded`);
    const before = this.#ledger;
    this.#ledger = ledgerOps.finishUnloadUnits(before, units, options.succeeded);
    const plan = planEvictions(this.#ledger, this.#order.oldest, () => false);
    const evicted = this.#commit(plan);
    return {
      capacityLostUnits: before.capacityUnits - this.#ledger.capacityUnits,
      spaceFreed: options.succeeded && ledgerOps.balanceUnits(this.#ledger) < ledgerOps.balanceUnits(before),
      evicted,
    };
  }

  /** Figures for the instance record and metrics. */
  stats(): CacheStats {
    const ledger = this.#ledger;
    const buffer = ledgerOps.bufferUnits(ledger);
    return {
      count: this.#byId.size,
      usedUnits: ledger.entriesUnits,
      capacityUnits: ledger.capacityUnits - buffer,
      lruTimeMs: this.#order.oldest?.lastUsedMs ?? Number.MAX_SAFE_INTEGER,
      totalCapacityUnits: ledger.capacityUnits,
      reserveUnits: ledger.reserveUnits,
      bufferUnits: buffer,
      unloadingUnits: ledger.unloadingUnits,
      pendingUnits: ledger.pendingUnits,
      deficitUnits: ledger.deficitUnits,
    };
  }

  /** All entries, most recently used first (janitor) or least recently used first (shutdown). */
  entries(order: "mru-first" | "lru-first"): CacheEntry<T>[] {
    const result: CacheEntry<T>[] = [];
    const mruFirst = order === "mru-first";
    for (let node = mruFirst ? this.#order.newest : this.#order.oldest; node; ) {
      result.push(node);
      node = mruFirst ? node.older : node.newer;
    }
    return result;
  }

  /** Entries used after `cutoffMs`, most recent first (the rate tracker's "used since last run"). */
  entriesUsedSince(cutoffMs: number): CacheEntry<T>[] {
    const result: CacheEntry<T>[] = [];
    for (let node = this.#order.newest; node && node.lastUsedMs > cutoffMs; node = node.older)
      result.push(node);
    return result;
  }

  #insert(id: string, node: CacheNode<T>): InsertResult<T> {
    const existing = this.#byId.get(id);
    if (existing !== undefined) return { kind: "exists", entry: existing };
    const ledger =
      node.pendingUnits > 0
        ? ledgerOps.requestUnits(this.#ledger, node.weightUnits)
        : ledgerOps.growLoadedUnits(this.#ledger, node.weightUnits);
    const plan = planEvictions(ledger, this.#order.oldest, (other) => other.lastUsedMs > node.lastUsedMs);
    if (plan.blocked) return { kind: "fell-through" };
    const evicted = this.#commit(plan);
    this.#order.insert(node);
    this.#byId.set(id, node);
    return { kind: "inserted", entry: node, evicted };
  }

  #commit(plan: EvictionPlan<CacheNode<T>>): DepartedEntry<T>[] {
    this.#ledger = plan.ledger;
    return plan.victims.map((victim) => this.#detach(victim, departureOf(victim)));
  }

  /** Takes a node out of the cache (ledger already updated) and reports it. */
  #detach(node: CacheNode<T>, departure: ledgerOps.Departure): DepartedEntry<T> {
    const previousState = node.state;
    this.#order.unlink(node);
    this.#byId.delete(node.id);
    node.state = { kind: "REMOVED", sinceMs: this.#clock.nowMs() };
    const unloadUnits = departure.unload ? departure.weightUnits - departure.pendingUnits : 0;
    return { entry: node, previousState, weightUnits: node.weightUnits, unloadUnits };
  }

  #own(entry: CacheEntry<T>): CacheNode<T> | undefined {
    const node = this.#byId.get(entry.id);
    return node === entry ? node : undefined;
  }

  #touch(node: CacheNode<T>, time: number): void {
    if (time <= node.lastUsedMs) return;
    node.lastUsedMs = time;
    this.#order.reposition(node);
  }

  #transition(node: CacheNode<T>, next: CacheEntryState): void {
    if (!canTransition(node.state.kind, next.kind)) {
      throw illegal(`move cache entry ${node.id} from ${node.state.kind} to ${next.kind}`);
    }
    node.state = next;
  }

  #time(lastUsedMs: number | undefined): number {
    return lastUsedMs === undefined || lastUsedMs === 0 ? this.#clock.nowMs() : lastUsedMs;
  }
}
