import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  createMeshStore,
  createStoreLayout,
  type InstanceRecord,
  instanceRecordCodec,
  type MeshStore,
  type ModelRecord,
  modelRecordCodec,
} from "@modelmesh/core";
import { connectEtcdStore } from "@modelmesh/store-etcd";
import type { TestCluster } from "@modelmesh/testkit/cluster";
import { modelHeader, TEST_SERVICE_NAME, type TestMesh } from "@modelmesh/testkit/mesh";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { expect, onTestFailed } from "vitest";
import { registerLoaded } from "../support.js";

export { registerLoaded };

/**
 * What the cluster tests read and write in the store directly, as the original's tests read the
 * registry and instance tables: model records, instance records, dynamic config.
 */
export interface ClusterStore {
  readonly store: MeshStore;
  /** The model's registry record, or undefined when it is not registered. */
  model(modelId: string): Promise<ModelRecord | undefined>;
  /** Ids of the instances holding (or loading) a copy of the model. */
  holders(modelId: string): Promise<string[]>;
  /** Ids of the instances where loading the model recently failed. */
  failedIn(modelId: string): Promise<string[]>;
  /** The instance's published record. */
  instance(instanceId: string): Promise<InstanceRecord | undefined>;
  /** Sets (or, with `undefined`, deletes) a dynamic config key (`config/<key>`, §12.4). */
  setConfig(key: string, value: string | undefined): Promise<void>;
  close(): Promise<void>;
}

/** Connects to the cluster's etcd with the same key layout as its instances. */
export async function connectClusterStore(cluster: TestCluster): Promise<ClusterStore> {
  const kv = await connectEtcdStore({ connection: { endpoints: [cluster.etcd.hostPort], rootPrefix: "" } });
  const store = createMeshStore({ kv, layout: createStoreLayout({ serviceName: TEST_SERVICE_NAME }) });
  const registry = store.table("registry", modelRecordCodec);
  const instances = store.table("instances", instanceRecordCodec);
  const config = store.config();
  const model = async (modelId: string) => (await registry.get(modelId))?.value;
  return {
    store,
    model,
    holders: async (modelId) => Object.keys((await model(modelId))?.instanceIds ?? {}),
    failedIn: async (modelId) => Object.keys((await model(modelId))?.failedIn ?? {}),
    instance: async (instanceId) => (await instances.get(instanceId))?.value,
    async setConfig(key, value) {
      await config.update(key, (current) => {
        if (value !== undefined) return { put: value };
        return current === undefined ? undefined : { delete: true };
      });
    },
    close: () => store.close(),
  };
}

/** The cluster's instance with this id (throws when there is none). */
export function instanceById(cluster: TestCluster, instanceId: string): TestMesh {
  const mesh = cluster.instances.find((m) => m.instanceId === instanceId);
  if (mesh === undefined) throw new Error(`no instance ${instanceId} in the cluster`);
  return mesh;
}

/** Instance `i` of the cluster (throws when there is none, so tests need no `!`). */
export function instanceAt(cluster: TestCluster, i: number): TestMesh {
  const mesh = cluster.instances[i];
  if (mesh === undefined) throw new Error(`no instance ${i} in the cluster`);
  return mesh;
}

/**
 * Runs `count` calls of `call(i)` with at most `concurrency` in flight, and returns how many
 * failed with which message (empty when all succeeded). Every call runs even after failures.
 */
export async function runConcurrently(
  count: number,
  concurrency: number,
  call: (i: number) => Promise<void>,
): Promise<Map<string, number>> {
  const failures = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      try {
        await call(i);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        failures.set(message, (failures.get(message) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return failures;
}

/** Callers calling in a closed loop while a test changes the cluster under them. */
export interface CallLoop {
  /** One line per failed call: what `call` threw. */
  readonly failures: readonly string[];
  /** Calls that succeeded so far. */
  readonly served: number;
  /** Stops the callers and waits for their calls in flight. */
  stop(): Promise<void>;
}

/**
 * Starts `workers` callers, each calling `call(worker, n)` for n = 0, 1, … until stopped. A call
 * that throws counts as failed (its message is kept), one that returns as served.
 */
export function startCallLoop(workers: number, call: (worker: number, n: number) => Promise<void>): CallLoop {
  const failures: string[] = [];
  let served = 0;
  let running = true;
  const loops = Array.from({ length: workers }, async (_, w) => {
    for (let n = 0; running; n++) {
      try {
        await call(w, n);
        served++;
      } catch (error) {
        failures.push(String(error));
      }
    }
  });
  return {
    failures,
    get served() {
      return served;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/**
 * Call at the start of a test: when it fails, prints the warning and error lines of every
 * instance in `meshes()` (stopped ones included), so a failure in CI can be explained. With
 * `MM_TEST_LOG_DIR` set, every instance's whole log is also written there, one file each.
 */
export function reportLogsOnFailure(meshes: () => readonly TestMesh[]): void {
  onTestFailed(() => {
    const dir = process.env.MM_TEST_LOG_DIR;
    if (dir !== undefined && dir !== "") mkdirSync(dir, { recursive: true });
    for (const mesh of meshes()) {
      const lines = mesh.logs();
      if (dir !== undefined && dir !== "") {
        writeFileSync(join(dir, `${mesh.instanceId}.log`), lines.map((l) => JSON.stringify(l)).join("\n"));
      }
      const serious = lines.filter((line) => line.level === "warn" || line.level === "error");
      console.error(`--- ${mesh.instanceId}: ${serious.length} warning/error lines of ${lines.length}`);
      for (const line of serious.slice(-40)) console.error(JSON.stringify(line));
    }
  });
}

/**
 * Expects every mesh to answer a predict for every model, retrying each for up to a minute (after
 * an instance died, a copy may have to be loaded again first).
 */
export async function expectServedEverywhere(
  meshes: readonly TestMesh[],
  models: readonly string[],
  text: string,
): Promise<void> {
  for (const mesh of meshes) {
    for (const modelId of models) {
      const response = await waitUntil(
        () =>
          mesh.predictor
            .predict({ text }, { headers: modelHeader(modelId), timeoutMs: 20_000 })
            .catch(() => undefined),
        { timeoutMs: 60_000, intervalMs: 250, description: `${modelId} via ${mesh.instanceId}` },
      );
      expect(response.results[0]?.category).toBe(`classification for ${text} by model ${modelId}`);
    }
  }
}
