import { startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { MiB, Status, sizedModel, statusesOf, statusOf } from "./support.js";

// EvictionsModelMeshTest. The example runtime reports 1 GiB capacity, 50 MiB default model size
// and loading concurrency 6: an unload buffer of 75 MiB and 949 MiB of effective capacity, so 18
// models of 50 MiB fit and the 19th evicts the oldest. `--no-predict-size` makes the runtime
// answer predictModelSize with UNIMPLEMENTED as the original did, so a new model is first
// assumed to have the default size.

// 20 ms to load and 1 s to unload: the opposite of real runtimes, to exercise the unload buffer.
const model50 = sizedModel(50 * MiB, 20, 1000);
const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `myModel${from + i}`);
const all = (status: string, names: readonly string[]) => Object.fromEntries(names.map((n) => [n, status]));

describe("EvictionsModelMeshTest", () => {
  let mesh: TestMesh;
  beforeEach(async () => {
    mesh = await startMesh({ runtime: { args: ["--no-predict-size"] } });
  });
  afterEach(async () => {
    expect(await mesh.stop()).toBe(0);
  });
  afterAll(stopAllProcesses);

  const register = (modelId: string, sync: boolean, path = model50) =>
    mesh.management.registerModel({ modelId, modelInfo: { type: "ExampleType", path }, loadNow: true, sync });

  /** Registers myModel0..16 (loading in the background), then myModel17 synchronously. */
  async function fillCache(): Promise<void> {
    for (const id of ids(0, 17)) await register(id, false);
    const status = await register("myModel17", true);
    expect(Status[status.status]).toBe("LOADED");
    // The background loads are quick (20 ms each); wait for them rather than assume.
    await waitUntil(
      async () => Object.values(await statusesOf(mesh, ids(0, 18))).every((s) => s === "LOADED"),
      { timeoutMs: 30_000, intervalMs: 100, description: "18 models loaded" },
    );
  }

  it("basicEvictionTest", async () => {
    await fillCache();

    // The 19th takes the total to 950 MiB > 949: the oldest (myModel0) goes, through the unload buffer.
    expect(Status[(await register("myModel18", true)).status]).toBe("LOADED");
    expect(Status[await statusOf(mesh, "myModel0")]).toBe("NOT_LOADED");
    expect(await statusesOf(mesh, ids(1, 18))).toEqual(all("LOADED", ids(1, 18)));

    // The 20th and 21st evict myModel1 and myModel2; the 21st waits for buffer room (myModel0's
    // 1 s unload) before it can load.
    expect(Status[(await register("myModel19", true)).status]).toBe("LOADED");
    expect(await statusesOf(mesh, ["myModel1", "myModel2"])).toEqual({
      myModel1: "NOT_LOADED",
      myModel2: "LOADED",
    });
    expect(Status[(await register("myModel20", true)).status]).toBe("LOADED");
    expect(Status[await statusOf(mesh, "myModel2")]).toBe("NOT_LOADED");

    // Reloading an evicted model: ensureLoaded answers LOADING at once; it evicts myModel3.
    const ensured = await mesh.management.ensureLoaded({ modelId: "myModel0" });
    expect(Status[ensured.status]).toBe("LOADING");

    // A 160 MiB model assumed to be 50 MiB: loading it evicts myModel4, and once its real size is
    // known, myModel5 and myModel6 too; myModel7 stays.
    const big = await register("myModel21_BIG", true, sizedModel(160 * MiB, 20, 10));
    expect(Status[big.status]).toBe("LOADED");
    expect(Status[await statusOf(mesh, "myModel3")]).toBe("NOT_LOADED");
    await waitUntil(
      async () => {
        const s = await statusesOf(mesh, ["myModel4", "myModel5", "myModel6"]);
        return Object.values(s).every((v) => v === "NOT_LOADED");
      },
      { timeoutMs: 20_000, intervalMs: 50, description: "myModel4-6 evicted after sizing" },
    );
    expect(await statusesOf(mesh, ids(7, 21))).toEqual(all("LOADED", ids(7, 21)));
    await waitUntil(async () => Status[await statusOf(mesh, "myModel0")] === "LOADED", {
      timeoutMs: 20_000,
      intervalMs: 50,
      description: "myModel0 reloaded",
    });
  });

  it("concurrentEvictionTest: 10 simultaneous loads evict exactly the 10 oldest", async () => {
    await fillCache();
    const results = await Promise.all(ids(18, 28).map((id) => register(id, true)));
    expect(results.map((r) => Status[r.status])).toEqual(Array(10).fill("LOADED"));
    expect(await statusesOf(mesh, ids(0, 10))).toEqual(all("NOT_LOADED", ids(0, 10)));
    expect(await statusesOf(mesh, ids(10, 28))).toEqual(all("LOADED", ids(10, 28)));
  });

  it("concurrentEvictionAndUnloadTest: evictions racing unregistrations of the same models", async () => {
    await fillCache();
    const [results] = await Promise.all([
      Promise.all(ids(18, 28).map((id) => register(id, true))),
      Promise.all(ids(0, 5).map((modelId) => mesh.management.unregisterModel({ modelId }))),
    ]);
    expect(results.map((r) => Status[r.status])).toEqual(Array(10).fill("LOADED"));
    const victims = await statusesOf(mesh, ids(0, 10));
    for (const [id, status] of Object.entries(victims)) {
      expect(["NOT_LOADED", "NOT_FOUND"], `${id}: ${status}`).toContain(status);
    }
    expect(await statusesOf(mesh, ids(10, 28))).toEqual(all("LOADED", ids(10, 28)));
  });
});
