import {
  createInstanceTable,
  type InstanceRecord,
  type InstanceTable,
  type LocalCopyView,
  type RoutingContext,
  type TypeConstraintView,
} from "@modelmesh/core";
import type { MeshContext } from "../mesh-context.js";
import type { PeerLink } from "../peer-wiring/peer-link.js";
import { followUpgrades } from "./upgrade-feed.js";

/** Local invocation statistics the copy picker reads for this instance (§2.4). */
export interface LocalInvokeStats {
  inFlight: number;
  lastInvokeMs: number;
}

/** The routing context over the mesh's live state, rebuilt parts kept current. */
export interface RoutingView {
  readonly context: RoutingContext;
  readonly stats: LocalInvokeStats;
  /** The peer service's sending side; absent when this instance has no internal port (single instance). */
  readonly peers?: PeerLink;
  /** Forgets the instance table so the next route rebuilds it (after the mirror loads). */
  invalidate(): void;
  /** Stops following the instance table. */
  close(): void;
}

/**
 * Builds the {@link RoutingContext} the core's routing state machine reads: the registry mirror,
 * an instance table rebuilt on every instance-table change, the local cache (read without
 * touching), this instance's fresh record, and local statistics. With `peers` (an internal port),
 * instances in the table are reachable and the copy picker reads this instance's in-flight calls
 * to each; without, peers are unreachable and routing only ever serves or loads here.
 */
export function createRoutingView(
  ctx: MeshContext,
  freshSelf: () => InstanceRecord,
  typeConstraints?: TypeConstraintView,
  peers?: PeerLink,
): RoutingView {
  const stats: LocalInvokeStats = { inFlight: 0, lastInvokeMs: 0 };
  const upgrades = followUpgrades(ctx);
  const buildTable = (): InstanceTable => {
    // Peers that vanished in a store outage count with their last records (vanished-peers.ts).
    const records = new Map<string, InstanceRecord>(ctx.vanishedPeers.current());
    for (const [id, versioned] of ctx.instancesMirror.entries()) records.set(id, versioned.value);
    return createInstanceTable({
      records,
      selfId: ctx.selfId,
      minSpaceUnits: ctx.minSpaceUnits,
      minChurnAgeMs: ctx.timings.minChurnAgeMs,
    });
  };
  let table: InstanceTable | undefined;
  let vanishedVersion = ctx.vanishedPeers.version();
  const unsubscribe = ctx.instancesMirror.subscribe(() => {
    table = undefined;
  });
  const selfId = ctx.selfId;
  const context: RoutingContext = {
    models: { get: (id) => ctx.registryMirror.get(id)?.value },
    get instances() {
      const version = ctx.vanishedPeers.version();
      if (version !== vanishedVersion) {
        vanishedVersion = version;
        table = undefined;
      }
      table ??= buildTable();
      return table;
    },
    freshSelfRecord: freshSelf,
    replacedReplicaSets: upgrades.tracker.replacedReplicaSets,
    readOnly: ctx.readOnly,
    cache: {
      get(id): LocalCopyView | undefined {
        const entry = ctx.cache.peek(id);
        return entry === undefined
          ? undefined
          : { state: entry.state.kind, loadTimestampMs: entry.data.loadTimestampMs };
      },
    },
    peers: peers?.stats(stats) ?? {
      isReachable: (id) => id === selfId,
      inFlight: (id) => (id === selfId ? stats.inFlight : 0),
      lastUsedMs: (id) => (id === selfId ? stats.lastInvokeMs : 0),
    },
    loadTimes: ctx.loadTimes,
    ...(typeConstraints === undefined ? {} : { typeConstraints }),
    clock: ctx.clock,
    random: ctx.random,
    inUseLoadFailureExpiryMs: Math.floor(ctx.timings.loadFailureExpiryMs / 2),
  };
  return {
    context,
    stats,
    ...(peers === undefined ? {} : { peers }),
    invalidate() {
      table = undefined;
      upgrades.catchUp();
    },
    close() {
      unsubscribe();
      upgrades.close();
    },
  };
}
