import type {
  BootstrapClearance,
  Clock,
  InstanceRecord,
  KvTable,
  LoadTimeTracker,
  Logger,
  MeshMetrics,
  ModelRecord,
  Random,
  TableMirror,
  WeightedLruCache,
} from "@modelmesh/core";
import type { RuntimeConnection } from "@modelmesh/runtime-client";
import type { Tracer } from "@opentelemetry/api";
import type { CopyData } from "./cache/copy-data.js";
import type { SpaceSignal } from "./cache/space-signal.js";
import type { ModelRates } from "./cluster/model-rates.js";
import type { LoadQueue } from "./loading/load-queue.js";
import type { MeshIdentity } from "./model-mesh.js";
import type { ResolvedTimings } from "./options/timings.js";
import type { VanishedPeers } from "./routing/vanished-peers.js";
import type { RequestRate } from "./tasks/request-rate.js";

/** A registered copy that LRU eviction removed from this instance. */
export interface EvictedCopy {
  readonly modelId: string;
  /** Load start time it was registered with, epoch ms. */
  readonly loadTimestampMs: number;
  /** Its last-used time, epoch ms. */
  readonly lastUsedMs: number;
}

/**
 * The long-lived parts of one mesh instance that its components share. Built once by
 * `createModelMesh`; components receive it instead of long parameter lists.
 */
export interface MeshContext {
  readonly selfId: string;
  readonly identity: MeshIdentity;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  /** Where metrics go (`MM_METRICS`); the no-op one when disabled. */
  readonly metrics: MeshMetrics;
  /**
   * `MM_LOG_EACH_INVOKE`: each runtime invocation is logged at info (else at debug). Changed live
   * by the store's `config/log_each_invocation`.
   */
  logEachInvoke: boolean;
  /**
   * `KV_READ_ONLY`: read-only migration mode. No new registrations, deletions or vmodel changes,
   * no registry pruning, vmodel transitions or static registration; copies on instances missing
   * from this store's instance table are ignored (docs/migrating-stores.md).
   */
  readonly readOnly: boolean;
  /** `MM_MAX_INFLIGHT_PER_MODEL_COPY` (latency-based mode): 0 = default, negative = unbounded. */
  readonly maxInFlightPerCopy: number;
  /** Records inference spans when set; `undefined` (the default) keeps tracing off and free. */
  readonly tracer: Tracer | undefined;
  readonly runtime: RuntimeConnection;
  readonly timings: ResolvedTimings;
  readonly registry: KvTable<ModelRecord>;
  readonly registryMirror: TableMirror<ModelRecord>;
  readonly instances: KvTable<InstanceRecord>;
  readonly instancesMirror: TableMirror<InstanceRecord>;
  /** Peers whose records vanished in a store outage, still counted by routing for a while. */
  readonly vanishedPeers: VanishedPeers;
  readonly cache: WeightedLruCache<CopyData>;
  readonly queue: LoadQueue;
  readonly loadTimes: LoadTimeTracker;
  /** "Full" threshold in units (§4.2). */
  readonly minSpaceUnits: number;
  /** Set once shutdown begins: no new loads, no unloads sent (§6.7). */
  readonly lifecycle: { shuttingDown: boolean };
  /** Requests per minute through this instance (the record's `rpm`). */
  readonly requests: RequestRate;
  /** Requests per model since the last rate check (§5.1). */
  readonly modelRates: ModelRates;
  /** Wakes loads waiting for unload-buffer space. */
  readonly space: SpaceSignal;
  /** Startup fail-fast (§9.6): counts load outcomes of the first minutes; aborted = never ready. */
  readonly bootstrap: BootstrapClearance;
  /** Told of every registered, loaded copy evicted from the cache (rebalancing reload, §4.6). */
  readonly evictionListeners: Set<(copy: EvictedCopy) => void>;
  /** Asks the instance-record publisher to publish soon (rate-limited). */
  requestPublish(): void;
}
