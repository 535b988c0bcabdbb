import { type Client, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createMeshStore, createStoreLayout, type MeshStore } from "@modelmesh/core";
import { ExamplePredictor, ModelMesh as ModelMeshService, ModelRuntime } from "@modelmesh/proto";
import { connectRuntime, type RuntimeConnection } from "@modelmesh/runtime-client";
import { connectEtcdStore } from "@modelmesh/store-etcd";
import { type EtcdServer, startEtcd } from "@modelmesh/testkit/etcd";
import { startExampleRuntime, type TestExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { freePort } from "@modelmesh/testkit/free-port";
import { createModelMesh, type ModelMesh, type ModelMeshOptions } from "../../src/index.js";
import { serveMesh } from "../serve-mesh.js";

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
export interface PeerInstanceOptions
  extends Partial<Pick<ModelMeshOptions, "timings" | "typeConstraints" | "logger">> {
  readonly instanceId: string;
  readonly labels?: readonly string[];
}

/** One mesh instance with its own store connection, example runtime and internal (peer) port. */
export interface PeerInstance {
  readonly id: string;
  readonly mesh: ModelMesh;
  readonly runtime: TestExampleRuntime;
  readonly internalPort: number;
  readonly management: Client<typeof ModelMeshService>;
  readonly predictor: Client<typeof ExamplePredictor>;
  /** The runtime's management API, straight (the mesh does not see these calls). */
  readonly runtimeManagement: Client<typeof ModelRuntime>;
  /** Shuts the mesh down and stops its server and runtime. Idempotent. */
  close(): Promise<void>;
}

/** Starts a mesh instance the way the gateway does, with a real internal port for peers. */
export async function startPeerInstance(
  cluster: EtcdCluster,
  options: PeerInstanceOptions,
): Promise<PeerInstance> {
  const store = await cluster.openStore();
  const runtime = await startExampleRuntime({
    env: { RS_METHOD_INFOS: "mmesh.ExamplePredictor/predict=1", RS_ALLOW_ANY: "true" },
  });
  let connection: RuntimeConnection | undefined;
  try {
    connection = await connectRuntime({
      port: runtime.port as number,
      host: "127.0.0.1",
      startupPollIntervalMs: 100,
    });
  } catch (error) {
    await runtime.stop();
    throw error;
  }
  const internalPort = await freePort();
  const mesh = createModelMesh({
    store,
    runtime: connection,
    identity: {
      instanceId: options.instanceId,
      location: "127.0.0.1",
      grpcPort: 0,
      internalPort,
      labels: options.labels ?? [],
    },
    maxMessageBytes: 16 * 1024 * 1024,
    ...(options.timings === undefined ? {} : { timings: options.timings }),
    ...(options.typeConstraints === undefined ? {} : { typeConstraints: options.typeConstraints }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  await mesh.start();
  const { server, transport } = await serveMesh(mesh);
  let closing: Promise<void> | undefined;
  return {
    id: options.instanceId,
    mesh,
    runtime,
    internalPort,
    management: createClient(ModelMeshService, transport),
    predictor: createClient(ExamplePredictor, transport),
    runtimeManagement: createClient(
      ModelRuntime,
      createGrpcTransport({ baseUrl: `http://127.0.0.1:${runtime.port}` }),
    ),
    close() {
      closing ??= (async () => {
        await mesh.shutdown(Date.now() + 2000);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          setTimeout(resolve, 500).unref();
        });
        connection?.close();
        await runtime.stop();
      })();
      return closing;
    },
  };
}
