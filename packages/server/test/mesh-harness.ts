import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Client, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createMeshStore, createStoreLayout, type MeshStore } from "@modelmesh/core";
import { ExamplePredictor, ModelMesh as ModelMeshService } from "@modelmesh/proto";
import { connectRuntime, type RuntimeConnection } from "@modelmesh/runtime-client";
import { openEmbeddedStore } from "@modelmesh/store-embedded";
import { startExampleRuntime, type TestExampleRuntime } from "@modelmesh/testkit/example-runtime";
import {
  createModelMesh,
  type DataplaneConfig,
  type MeshTimings,
  type ModelMesh,
  type StaticModel,
} from "../src/index.js";
import { serveMesh } from "./serve-mesh.js";

/** Options of {@link startMesh}. */
export interface MeshHarnessOptions {
  /** Extra example-runtime flags, e.g. `["--capacity-bytes", "..."]`. */
  readonly runtimeArgs?: readonly string[];
  readonly runtimeEnv?: Readonly<Record<string, string>>;
  readonly timings?: MeshTimings;
  readonly maxMessageBytes?: number;
  readonly instanceId?: string;
  readonly dataplane?: DataplaneConfig;
  /** Registered by `start()` (static registration). */
  readonly staticModels?: readonly StaticModel[];
}

/** A running mesh instance over a real example runtime and a real embedded store. */
export interface MeshHarness {
  readonly mesh: ModelMesh;
  readonly runtime: TestExampleRuntime;
  readonly connection: RuntimeConnection;
  readonly store: MeshStore;
  readonly port: number;
  readonly transport: Transport;
  readonly management: Client<typeof ModelMeshService>;
  readonly predictor: Client<typeof ExamplePredictor>;
  /** Stops everything (mesh, server, runtime connection and process, store) and removes the data. */
  close(): Promise<void>;
}

/**
 * Starts a mesh the way the gateway does: example runtime process, embedded store in a temp
 * directory, `createModelMesh`, and an h2c server with the Connect adapter (mesh services as
 * routes, inference as the fallback). Clients speak gRPC over HTTP/2.
 */
export async function startMesh(options: MeshHarnessOptions = {}): Promise<MeshHarness> {
  const runtime = await startExampleRuntime({
    ...(options.runtimeArgs === undefined ? {} : { args: options.runtimeArgs }),
    // The mesh writes the model id into PredictRequest.modelName (field 1), which the runtime
    // echoes as the second result: tests see which model the mesh served.
    env: { RS_METHOD_INFOS: "mmesh.ExamplePredictor/predict=1", RS_ALLOW_ANY: "true", ...options.runtimeEnv },
  });
  const dir = mkdtempSync(join(tmpdir(), "mm-server-test-"));
  const kv = await openEmbeddedStore({ dir });
  const store = createMeshStore({ kv, layout: createStoreLayout({ serviceName: "server-test" }) });
  const connection = await connectRuntime({
    port: runtime.port as number,
    host: "127.0.0.1",
    startupPollIntervalMs: 100,
    ...(options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes }),
  });
  const mesh = createModelMesh({
    store,
    runtime: connection,
    identity: {
      instanceId: options.instanceId ?? "test-instance",
      location: "127.0.0.1",
      grpcPort: 0,
      internalPort: 0,
      labels: [],
    },
    maxMessageBytes: options.maxMessageBytes ?? 16 * 1024 * 1024,
    ...(options.timings === undefined ? {} : { timings: options.timings }),
    ...(options.dataplane === undefined ? {} : { dataplane: options.dataplane }),
    ...(options.staticModels === undefined ? {} : { staticModels: options.staticModels }),
  });
  await mesh.start();
  const { server, port, transport } = await serveMesh(mesh);
  return {
    mesh,
    runtime,
    connection,
    store,
    port,
    transport,
    management: createClient(ModelMeshService, transport),
    predictor: createClient(ExamplePredictor, transport),
    async close() {
      await mesh.shutdown(Date.now() + 2000);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Drop idle client sessions so close() completes.
        setTimeout(resolve, 500).unref();
      });
      connection.close();
      await runtime.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Headers naming the model of an inference call. */
export function modelHeaders(modelId: string): Record<string, string> {
  return { "mm-model-id": modelId };
}

/** The error a call failed with; throws when the call succeeded. */
export async function failure(promise: Promise<unknown>): Promise<ConnectError> {
  try {
    await promise;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error("expected the call to fail");
}
