import type { InstanceRecord, PeerStatsView } from "@modelmesh/core";
import type { MeshContext } from "../mesh-context.js";
import { PeerClient, type PeerRef } from "../peer/peer-client.js";
import { PeerDirectory } from "../peer/peer-directory.js";
import type { PeerTls } from "../peer/peer-tls.js";

/**
 * The sending side of the peer protocol for one mesh instance: one {@link PeerDirectory} (pooled
 * HTTP/2 connections to the other instances' internal ports) and one {@link PeerClient}, kept in
 * step with the instance table, plus the per-peer statistics the copy picker reads (§2.4).
 */
export class PeerLink {
  readonly directory: PeerDirectory;
  readonly client: PeerClient;
  readonly #ctx: MeshContext;
  readonly #unsubscribe: () => void;

  /**
   * `windowBytes`: HTTP/2 receive window per call and connection to each peer (see
   * `StreamLimits`); `tls`: TLS of connections to peers (absent: plaintext).
   */
  constructor(ctx: MeshContext, maxMessageBytes: number, transport: { windowBytes: number; tls?: PeerTls }) {
    this.#ctx = ctx;
    const { windowBytes, tls } = transport;
    this.directory = new PeerDirectory({
      maxMessageBytes,
      windowBytes,
      ...(tls === undefined ? {} : { tls }),
    });
    this.client = new PeerClient({ directory: this.directory });
    this.#unsubscribe = ctx.instancesMirror.subscribe(() => this.#retainLive());
  }

  /** The peer to call for `instanceId` (its current instance record), or undefined when it left the table. */
  refOf(instanceId: string): PeerRef | undefined {
    if (instanceId === this.#ctx.selfId) return undefined;
    const record = this.#recordOf(instanceId);
    return record === undefined ? undefined : { instanceId, record };
  }

  /** The peer's record: in the instance table, or kept while it vanished in a store outage. */
  #recordOf(instanceId: string): InstanceRecord | undefined {
    return (
      this.#ctx.instancesMirror.get(instanceId)?.value ?? this.#ctx.vanishedPeers.current().get(instanceId)
    );
  }

  /**
   * Per-destination statistics for routing: this instance's own local invocations for its id,
   * the client's in-flight counts and completion times for peers; a peer is reachable while it
   * is in the instance table and not pausing after failed connection attempts (see
   * {@link PeerDirectory.isReachable}).
   */
  stats(local: { readonly inFlight: number; readonly lastInvokeMs: number }): PeerStatsView {
    const selfId = this.#ctx.selfId;
    const traffic = this.client.traffic;
    return {
      isReachable: (id) => {
        if (id === selfId) return true;
        const record = this.#recordOf(id);
        return record !== undefined && this.directory.isReachable(id, record);
      },
      inFlight: (id) => (id === selfId ? local.inFlight : traffic.inFlight(id)),
      lastUsedMs: (id) => (id === selfId ? local.lastInvokeMs : traffic.lastUsedMs(id)),
    };
  }

  /** Stops following the instance table and closes every peer connection. */
  close(): void {
    this.#unsubscribe();
    this.directory.close();
  }

  #retainLive(): void {
    const live = new Set<string>();
    for (const [id] of this.#ctx.instancesMirror.entries()) live.add(id);
    for (const id of this.#ctx.vanishedPeers.current().keys()) live.add(id);
    for (const id of [...live]) if (id === this.#ctx.selfId) live.delete(id);
    this.directory.retainOnly(live);
  }
}
