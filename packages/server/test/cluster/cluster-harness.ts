import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Client, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  createMeshStore,
  createStoreLayout,
  type LogFields,
  type Logger,
  type MeshStore,
} from "@modelmesh/core";
import { ExamplePredictor, ModelMesh as ModelMeshService, ModelRuntime } from "@modelmesh/proto";
import { connectRuntime, type RuntimeConnection } from "@modelmesh/runtime-client";
import { openEmbeddedStore } from "@modelmesh/store-embedded";
import { startExampleRuntime, type TestExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { createModelMesh, type ModelMesh, type ModelMeshOptions } from "../../src/index.js";
import { serveMesh } from "../serve-mesh.js";

/** A real embedded store in a temp directory, shared by the instances of one test file. */
export interface SharedStore {
  readonly store: MeshStore;
  close(): Promise<void>;
}

/** Opens an embedded store that several mesh instances of this process share. */
export async function openSharedStore(serviceName: string): Promise<SharedStore> {
  const dir = mkdtempSync(join(tmpdir(), "mm-cluster-test-"));
  const kv = await openEmbeddedStore({ dir });
  const store = createMeshStore({ kv, layout: createStoreLayout({ serviceName }) });
  return {
    store,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Options of {@link startInstance}. */
export interface InstanceOptions
  extends Partial<
    Pick<
      ModelMeshOptions,
      | "timings"
      | "typeConstraints"
      | "scaleUpRpmThreshold"
      | "copyRequester"
      | "logger"
      | "bootstrapClearance"
    >
  > {
  readonly instanceId: string;
  readonly labels?: readonly string[];
  readonly zone?: string;
  readonly runtimeArgs?: readonly string[];
  /** The internal (peer) port published in the instance record; 0 (none) unless given. */
  readonly internalPort?: number;
}

/** One mesh instance with its own example runtime process, served on an h2c port. */
export interface TestInstance {
  readonly id: string;
  readonly mesh: ModelMesh;
  readonly runtime: TestExampleRuntime;
  readonly management: Client<typeof ModelMeshService>;
  readonly predictor: Client<typeof ExamplePredictor>;
  /** The runtime's management API, straight (the mesh does not see these calls). */
  readonly runtimeManagement: Client<typeof ModelRuntime>;
  /** Shuts the mesh down (leaving the election) and stops its server and runtime. Idempotent. */
  close(): Promise<void>;
}

/** Starts a mesh instance on `store` the way the gateway does, with its own example runtime. */
export async function startInstance(store: MeshStore, options: InstanceOptions): Promise<TestInstance> {
  const runtime = await startExampleRuntime({
    ...(options.runtimeArgs === undefined ? {} : { args: options.runtimeArgs }),
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
  const mesh = createModelMesh({
    store,
    runtime: connection,
    identity: {
      instanceId: options.instanceId,
      location: "127.0.0.1",
      grpcPort: 0,
      internalPort: options.internalPort ?? 0,
      labels: options.labels ?? [],
      ...(options.zone === undefined ? {} : { zone: options.zone }),
    },
    maxMessageBytes: 16 * 1024 * 1024,
    ...(options.timings === undefined ? {} : { timings: options.timings }),
    ...(options.typeConstraints === undefined ? {} : { typeConstraints: options.typeConstraints }),
    ...(options.scaleUpRpmThreshold === undefined
      ? {}
      : { scaleUpRpmThreshold: options.scaleUpRpmThreshold }),
    ...(options.copyRequester === undefined ? {} : { copyRequester: options.copyRequester }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.bootstrapClearance === undefined ? {} : { bootstrapClearance: options.bootstrapClearance }),
  });
  await mesh.start();
  const { server, transport } = await serveMesh(mesh);
  let closing: Promise<void> | undefined;
  return {
    id: options.instanceId,
    mesh,
    runtime,
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

/** One captured log line. */
export interface LogLine {
  readonly level: "debug" | "info" | "warn" | "error";
  readonly fields: LogFields;
  readonly message: string;
}

/** A {@link Logger} that keeps every line (child fields merged) for assertions. */
export function captureLogs(lines: LogLine[] = [], bound: LogFields = {}): Logger & { lines: LogLine[] } {
  const at =
    (level: LogLine["level"]) =>
    (fields: LogFields, message: string): void => {
      lines.push({ level, fields: { ...bound, ...fields }, message });
    };
  return {
    lines,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    isDebugEnabled: () => false,
    child: (fields) => captureLogs(lines, { ...bound, ...fields }),
  };
}
