import { describe, expect, it } from "vitest";
import { createSeededRandom, randomIndex } from "../ports/random.js";
import { createMiniCluster, type MiniCluster } from "./test-support/mini-cluster.js";

/*
 * The cluster half of the original's ModelMeshEvictionsTest (§14), with its numbers: three
 * instances of the DummyModelMesh (capacity 10 × 20 MiB models, 10 % of it the unload buffer,
 * so 9 models each), 20 MiB models (2560 units), "full" below 2560 free units, churn age 1 ms,
 * models added with loadNow + sync 5 ms apart (plus ~200 ms of loading). The test client used
 * litelinks' default BALANCED policy (fewest in use, then least recently used), which for
 * sequential calls enters the instances in turn; the seed picks the first one and the draws.
 * Placement sends each load where the globally oldest model is, so the overflow evicts
 * approximately the globally oldest models.
 */
const CLUSTER_SIZE = 3;
const MODEL_UNITS = 2560;
const MODELS_PER_INSTANCE = 9; // 10 × 20 MiB minus the 10 % unload buffer
const LOAD_STEP_MS = 205;
const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);

function cluster(seed: number): { mesh: MiniCluster; ingress: () => string } {
  const ids = Array.from({ length: CLUSTER_SIZE }, (_, i) => `a1b2c3-0000${i + 1}`);
  const random = createSeededRandom(seed);
  const mesh = createMiniCluster({
    instanceIds: ids,
    modelsPerInstance: MODELS_PER_INSTANCE,
    modelUnits: MODEL_UNITS,
    minSpaceUnits: MODEL_UNITS,
    minChurnAgeMs: 1,
    random,
    startMs: 1_700_000_000_000,
  });
  let next = randomIndex(random, ids.length);
  return { mesh, ingress: () => ids[next++ % ids.length] as string };
}

function loadAll(mesh: MiniCluster, ingress: () => string, modelIds: readonly string[]): void {
  for (const id of modelIds) {
    const step = mesh.addModelAndLoad(id, ingress());
    expect(step.kind, `load of ${id}`).toMatch(/^(load-local|serve-local)$/);
    mesh.clock.advance(LOAD_STEP_MS);
  }
}

const ids = (from: number, count: number) => Array.from({ length: count }, (_, i) => `nlc-${from + i}`);

describe("cluster evictions (ModelMeshEvictionsTest, cluster part)", () => {
  it.each(SEEDS)("loads within capacity all stay (seed %i)", (seed) => {
    const { mesh, ingress } = cluster(seed);
    const models = ids(1, 9);
    loadAll(mesh, ingress, models);
    expect(mesh.loadedModels().sort()).toEqual([...models].sort());
  });

  it.each(SEEDS)("overflow evicts approximately the globally oldest (seed %i)", (seed) => {
    const { mesh, ingress } = cluster(seed);
    const maxWithoutEviction = Math.trunc(0.9 * CLUSTER_SIZE * 10); // 27
    const beyond = 3;
    const wiggleRoom = CLUSTER_SIZE * 2;
    const models = ids(1, maxWithoutEviction + beyond);
    loadAll(mesh, ingress, models);
    const loaded = new Set(mesh.loadedModels());
    const mustStay = models.slice(Math.min(models.length - 1, beyond + wiggleRoom));
    for (const id of mustStay) expect(loaded.has(id), `${id} should still be loaded`).toBe(true);
    expect(loaded.size).toBe(maxWithoutEviction);
  });

  it.each(SEEDS)("recently used models survive new loads (seed %i)", (seed) => {
    const { mesh, ingress } = cluster(seed);
    const first = ids(1, 27);
    loadAll(mesh, ingress, first);
    const reused = first.slice(0, 5);
    for (const id of reused) {
      expect(mesh.useModel(id, ingress()).kind).toMatch(/^(serve-local|forward-hit)$/);
      mesh.clock.advance(5);
    }
    const fresh = ids(100, 3);
    loadAll(mesh, ingress, fresh);
    const loaded = new Set(mesh.loadedModels());
    for (const id of [...fresh, ...reused]) expect(loaded.has(id), `${id} should still be loaded`).toBe(true);
  });
});
