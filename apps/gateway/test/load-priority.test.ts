import { modelHeader, startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Status, sizedModel, statusOf } from "./support.js";

// ModelMeshLoadPriorityTest: with one load at a time (the runtime reports loading concurrency 1),
// a load an inference request waits for overtakes loads queued by ensureLoaded alone.
// Loads take 2.5 s so the queue is visibly ordered; the runtime's load-started events give the
// order in which the mesh actually started them.
const slowModel = sizedModel(1024, 2500, 0);

describe("ModelMeshLoadPriorityTest", () => {
  let mesh: TestMesh;
  let serial = 0;
  beforeAll(async () => {
    mesh = await startMesh({ runtime: { args: ["--loading-concurrency", "1"] } });
  });
  afterAll(async () => {
    expect(await mesh.stop()).toBe(0);
    await stopAllProcesses();
  });

  async function registerUnloaded(count: number): Promise<string[]> {
    const ids = Array.from({ length: count }, () => `nlc-${++serial}`);
    for (const modelId of ids) {
      await mesh.management.registerModel({ modelId, modelInfo: { type: "ExampleType", path: slowModel } });
    }
    return ids;
  }

  const loadOrder = (ids: readonly string[]) =>
    (mesh.runtime?.events("load-started") ?? [])
      .map((e) => String(e.modelId))
      .filter((id) => ids.includes(id));

  async function expectOvertaken([first, second, third]: string[]): Promise<void> {
    if (first === undefined || second === undefined || third === undefined) throw new Error("3 ids");
    // The model the inference call needed loaded before the second ensureLoaded one.
    expect(Status[await statusOf(mesh, second)]).not.toBe("LOADED");
    expect(Status[await statusOf(mesh, third)]).toBe("LOADED");
    expect(Status[await statusOf(mesh, first)]).toBe("LOADED");
    // Let the queue empty before the next test.
    expect(Status[(await mesh.management.ensureLoaded({ modelId: second, sync: true })).status]).toBe(
      "LOADED",
    );
    expect(loadOrder([first, second, third])).toEqual([first, third, second]);
  }

  it("testLoadingPriority: an inference request's load overtakes queued ensureLoaded loads", async () => {
    const ids = await registerUnloaded(3);
    const [m0, m1, m2] = ids as [string, string, string];
    await mesh.management.ensureLoaded({ modelId: m0 });
    await mesh.management.ensureLoaded({ modelId: m1 });
    await mesh.predictor.predict({ text: "prioritize me!" }, { headers: modelHeader(m2) });
    await expectOvertaken(ids);
  });

  it("testLoadingPriorityUpgrade: a queued load is promoted when an inference request waits on it", async () => {
    const ids = await registerUnloaded(3);
    const [m0, m1, m2] = ids as [string, string, string];
    await mesh.management.ensureLoaded({ modelId: m0 });
    await mesh.management.ensureLoaded({ modelId: m1 });
    await mesh.management.ensureLoaded({ modelId: m2 });
    // Third in the queue; the waiting request moves it ahead of m1.
    await mesh.predictor.predict({ text: "prioritize me!" }, { headers: modelHeader(m2) });
    await expectOvertaken(ids);
  });
});
