import { createInstanceTable } from "../../placement/instance-table.js";
import { instanceRecord, modelRecord } from "../../placement/test-support/records.js";
import { createManualClock, type ManualClock } from "../../ports/clock.js";
import type { Random } from "../../ports/random.js";
import type { InstanceRecord, ModelRecord } from "../../records/types.js";
import { nextRouteStep } from "../next-step.js";
import { recordRouteOutcome } from "../record-outcome.js";
import { startRoute } from "../route-state.js";
import type { RouteRequest, RouteStep, RoutingContext } from "../types.js";

/**
 * A pure simulation of a mesh cluster for placement tests: every instance has a tiny LRU
 * cache of equal-size models, the registry is a map, and requests run through the real
 * routing state machine and placement, with forwarded hops executed on the target.
 */
export interface MiniClusterOptions {
  readonly instanceIds: readonly string[];
  /** Models each cache holds before evicting (capacity excluding the unload buffer). */
  readonly modelsPerInstance: number;
  /** Size of every model, in units. */
  readonly modelUnits: number;
  readonly minSpaceUnits: number;
  readonly minChurnAgeMs: number;
  readonly random: Random;
  readonly startMs: number;
}

interface CacheEntry {
  readonly modelId: string;
  lastUsedMs: number;
  readonly loadTimestampMs: number;
}

/** Simulated cluster. */
export interface MiniCluster {
  readonly clock: ManualClock;
  readonly registry: Map<string, ModelRecord>;
  /** Registers a model and loads it now (registerModel with loadNow + sync), entering at `ingressId`. */
  addModelAndLoad(modelId: string, ingressId: string): RouteStep;
  /** ensureLoaded with lastUsed = now (the original test's "useModel"), entering at `ingressId`. */
  useModel(modelId: string, ingressId: string): RouteStep;
  /** Models currently registered as loaded somewhere. */
  loadedModels(): string[];
}

const HOUR_MS = 3_600_000;

/** Builds a {@link MiniCluster}. */
export function createMiniCluster(options: MiniClusterOptions): MiniCluster {
  const clock = createManualClock(options.startMs);
  const registry = new Map<string, ModelRecord>();
  const caches = new Map(options.instanceIds.map((id) => [id, [] as CacheEntry[]]));
  const capacityUnits = options.modelsPerInstance * options.modelUnits;

  const recordOf = (id: string): InstanceRecord => {
    const entries = caches.get(id) ?? [];
    const lru = entries.reduce((min, e) => Math.min(min, e.lastUsedMs), Number.MAX_SAFE_INTEGER);
    return instanceRecord({
      capacityUnits,
      usedUnits: entries.length * options.modelUnits,
      count: entries.length,
      lruTimeMs: lru,
    });
  };

  const contextFor = (selfId: string): RoutingContext => ({
    models: registry,
    instances: createInstanceTable({
      records: new Map(options.instanceIds.map((id) => [id, recordOf(id)])),
      selfId,
      minSpaceUnits: options.minSpaceUnits,
      minChurnAgeMs: options.minChurnAgeMs,
    }),
    freshSelfRecord: () => recordOf(selfId),
    cache: {
      get: (modelId) => {
        const e = caches.get(selfId)?.find((x) => x.modelId === modelId);
        return e === undefined ? undefined : { state: "ACTIVE", loadTimestampMs: e.loadTimestampMs };
      },
    },
    peers: { isReachable: () => true, inFlight: () => 0, lastUsedMs: () => 0 },
    loadTimes: { assumeLoadedAfterMs: () => 3000 },
    clock,
    random: options.random,
  });

  const setCopies = (modelId: string, change: (copies: Record<string, number>) => void) => {
    const record = registry.get(modelId);
    if (record === undefined) return;
    const instanceIds = { ...record.instanceIds };
    change(instanceIds);
    registry.set(modelId, { ...record, instanceIds });
  };

  /** Inserts at the entry's last-used position and evicts the oldest beyond capacity. */
  const loadLocal = (instanceId: string, modelId: string, lastUsedMs: number): "ok" | "fell-through" => {
    const entries = caches.get(instanceId) as CacheEntry[];
    const entry = { modelId, lastUsedMs, loadTimestampMs: clock.nowMs() };
    entries.push(entry);
    entries.sort((a, b) => a.lastUsedMs - b.lastUsedMs);
    setCopies(modelId, (c) => {
      c[instanceId] = entry.loadTimestampMs;
    });
    while (entries.length > options.modelsPerInstance) {
      const evicted = entries.shift() as CacheEntry;
      setCopies(evicted.modelId, (c) => {
        delete c[instanceId];
      });
      if (evicted === entry) return "fell-through";
    }
    return "ok";
  };

  const touch = (instanceId: string, modelId: string, lastUsedMs: number) => {
    const entries = caches.get(instanceId) as CacheEntry[];
    const e = entries.find((x) => x.modelId === modelId);
    if (e !== undefined) e.lastUsedMs = Math.max(e.lastUsedMs, lastUsedMs);
    entries.sort((a, b) => a.lastUsedMs - b.lastUsedMs);
  };

  const route = (request: RouteRequest, instanceId: string): RouteStep => {
    const ctx = contextFor(instanceId);
    const state = startRoute(request, ctx);
    const lastUsedMs = request.lastUsedMs === 0 ? clock.nowMs() : (request.lastUsedMs ?? clock.nowMs());
    for (;;) {
      const step = nextRouteStep(state, ctx);
      switch (step.kind) {
        case "serve-local":
          touch(instanceId, request.modelId, lastUsedMs);
          return step;
        case "forward-hit":
        case "forward-load": {
          const forwarded: RouteRequest =
            step.kind === "forward-hit"
              ? { ...request, hop: "hit_only" }
              : {
                  ...request,
                  hop: "load_local_only",
                  cacheHitExcludes: step.cacheHitExcludes,
                  cacheMissExcludes: step.cacheMissExcludes,
                };
          const result = route(forwarded, step.instanceId);
          if (result.kind === "fail") {
            recordRouteOutcome(state, { kind: "failed", error: result.error });
            continue;
          }
          return result;
        }
        case "load-local":
          if (loadLocal(instanceId, request.modelId, lastUsedMs) === "ok") return step;
          recordRouteOutcome(state, { kind: "fell-through" });
          continue;
        case "read-record":
        case "deregister-self":
          throw new Error(`unexpected step ${step.kind} in the mini cluster`);
        case "status":
        case "fail":
          return step;
      }
    }
  };

  return {
    clock,
    registry,
    addModelAndLoad(modelId, ingressId) {
      // registerModel with loadNow: lastUsed = now − 1 h (§4.7), then ensureLoaded with it.
      const lastUsedMs = clock.nowMs() - HOUR_MS;
      registry.set(modelId, modelRecord({ type: "DUMMY", lastUsedMs }));
      return route({ kind: "ensure-loaded", modelId, balanced: true, lastUsedMs }, ingressId);
    },
    useModel(modelId, ingressId) {
      return route({ kind: "ensure-loaded", modelId, balanced: true, lastUsedMs: 0 }, ingressId);
    },
    loadedModels() {
      return [...registry].filter(([, r]) => Object.keys(r.instanceIds).length > 0).map(([id]) => id);
    },
  };
}
