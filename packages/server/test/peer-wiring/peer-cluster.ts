import { createMeshStore, createStoreLayout, type MeshStore } from "@modelmesh/core";
import { connectEtcdStore } from "@modelmesh/store-etcd";
import { type EtcdServer, startEtcd } from "@modelmesh/testkit/etcd";
import { freePort } from "@modelmesh/testkit/free-port";
import { type InstanceOptions, startInstance, type TestInstance } from "../cluster/cluster-harness.js";

/** One real etcd and the mesh stores opened on it (one per instance, as separate processes would). */
export interface EtcdCluster {
  readonly etcd: EtcdServer;
  /** Opens a store on the shared etcd, as one gateway process does. */
  openStore(): Promise<MeshStore>;
  close(): Promise<void>;
}

/** Starts etcd for one test file; every store opened on it shares `serviceName`'s tables. */
export async function startEtcdCluster(serviceName: string): Promise<EtcdCluster> {
  const etcd = await startEtcd();
  const stores: MeshStore[] = [];
  return {
    etcd,
    async openStore() {
      const kv = await connectEtcdStore({
        connection: { endpoints: [etcd.hostPort], rootPrefix: "" },
        sessionTtlMs: 5000,
      });
      const store = createMeshStore({ kv, layout: createStoreLayout({ serviceName }) });
      stores.push(store);
      return store;
    },
    async close() {
      for (const store of stores) await store.close().catch(() => undefined);
      await etcd.destroy();
    },
  };
}

/** Options of {@link startPeerInstance}. */
export type PeerInstanceOptions = Pick<
  InstanceOptions,
  "instanceId" | "labels" | "timings" | "typeConstraints" | "logger"
>;

/** A {@link TestInstance} with its own store connection and a real internal (peer) port. */
export interface PeerInstance extends TestInstance {
  readonly internalPort: number;
}

/** Starts a mesh instance the way the gateway does, with a real internal port for peers. */
export async function startPeerInstance(
  cluster: EtcdCluster,
  options: PeerInstanceOptions,
): Promise<PeerInstance> {
  const store = await cluster.openStore();
  const internalPort = await freePort();
  const instance = await startInstance(store, { ...options, internalPort });
  return { ...instance, internalPort };
}
