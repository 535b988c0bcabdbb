import {
  createMeshStore,
  createStoreLayout,
  instanceRecordCodec,
  type MeshStore,
  modelRecordCodec,
} from "@modelmesh/core";
import { connectEtcdStore } from "@modelmesh/store-etcd";
import { type EtcdServer, startEtcd } from "@modelmesh/testkit/etcd";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { type ClusterInstance, startClusterInstance } from "./cluster-instance.js";

/** The service name the benchmark clusters share. */
export const BENCH_SERVICE_NAME = "mm-bench-cluster";

/** Options for {@link startFleet}. */
export interface FleetOptions {
  /** Number of members. */
  readonly size: number;
  /** Gateway environment of every member (over the harness defaults). */
  readonly env?: Readonly<Record<string, string>>;
  /** Example-runtime flags of every member. */
  readonly runtimeArgs?: readonly string[];
}

/** A benchmark cluster: one etcd, `size` members, and a store client to read the registry. */
export interface Fleet {
  readonly etcd: EtcdServer;
  /** Current members (slot `i` is replaced by {@link Fleet.replace}). */
  readonly members: ClusterInstance[];
  /** Instance ids holding `modelId` (loaded or loading), from the registry. */
  holders(modelId: string): Promise<string[]>;
  /** Instance ids in the instance table. */
  tableIds(): Promise<string[]>;
  /** Members whose runtime has `modelId` loaded now (from the runtimes' event logs). */
  loadedIn(modelId: string): ClusterInstance[];
  /** Member by instance id. */
  byInstanceId(instanceId: string): ClusterInstance | undefined;
  /**
   * Starts a new member in slot `i` (fresh ports and instance id, as a new pod would get) and
   * waits until it is ready and in the instance table. The old member must be stopped first.
   */
  replace(i: number): Promise<ClusterInstance>;
  /** Stops every member still running, closes the store client, destroys etcd. */
  stop(): Promise<void>;
}

/**
 * Starts etcd (testkit) and `size` members in parallel, then waits until every member is in the
 * instance table, so placement sees all of them from the first call.
 */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const etcd = await startEtcd();
  const env = { MM_SERVICE_NAME: BENCH_SERVICE_NAME, ...options.env };
  let counter = 0;
  const startMember = () =>
    startClusterInstance({
      name: `mm-${counter++}`,
      etcdEndpoint: etcd.endpoint,
      env,
      ...(options.runtimeArgs === undefined ? {} : { runtimeArgs: options.runtimeArgs }),
    });
  const kv = await connectEtcdStore({ connection: { endpoints: [etcd.hostPort], rootPrefix: "" } });
  const store: MeshStore = createMeshStore({
    kv,
    layout: createStoreLayout({ serviceName: BENCH_SERVICE_NAME }),
  });
  const members: ClusterInstance[] = [];
  const stop = async () => {
    await Promise.all(members.map((m) => m.stop(20_000)));
    await store.close();
    await etcd.destroy();
  };
  const tableIds = async () => [
    ...(await store.table("instances", instanceRecordCodec).list()).records.keys(),
  ];
  const waitInTable = (ids: readonly string[]) =>
    waitUntil(
      async () => {
        const inTable = new Set(await tableIds());
        return ids.every((id) => inTable.has(id));
      },
      { timeoutMs: 120_000, intervalMs: 100, description: "members in the instance table" },
    );
  const started = await Promise.allSettled(Array.from({ length: options.size }, startMember));
  for (const s of started) if (s.status === "fulfilled") members.push(s.value);
  const failed = started.find((s) => s.status === "rejected");
  try {
    if (failed !== undefined) throw failed.reason;
    await waitInTable(members.map((m) => m.instanceId));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    etcd,
    members,
    async holders(modelId) {
      const record = await store.table("registry", modelRecordCodec).get(modelId);
      return Object.keys(record?.value.instanceIds ?? {});
    },
    tableIds,
    loadedIn(modelId) {
      return members.filter((m) => {
        let loaded = false;
        for (const e of m.runtime.events()) {
          if (e.modelId !== modelId) continue;
          if (e.event === "model-loaded") loaded = true;
          else if (e.event === "model-unloaded") loaded = false;
        }
        return loaded && !m.gateway.hasExited();
      });
    },
    byInstanceId: (instanceId) => members.find((m) => m.instanceId === instanceId),
    async replace(i) {
      const member = await startMember();
      members[i] = member;
      await waitInTable([member.instanceId]);
      return member;
    },
    stop,
  };
}
