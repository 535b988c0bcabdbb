import { modelRecordCodec } from "@modelmesh/core";
import { ModelStatusInfo_ModelStatus as Status } from "@modelmesh/proto";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type MeshHarness, startMesh } from "./mesh-harness.js";

const HOUR_MS = 3_600_000;

describe("static registration (createModelMesh with staticModels)", () => {
  let harness: MeshHarness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });
  // A start that fails leaves its runtime process behind.
  afterAll(stopAllProcesses);

  it("registers and loads before start() resolves, leaving the recency registration gave", async () => {
    const beforeMs = Date.now();
    harness = await startMesh({
      staticModels: [
        { modelId: "eager", modelInfo: { type: "DUMMY", path: "SIZE_1048576_500_0" }, ensureLoaded: true },
        { modelId: "lazy", modelInfo: { type: "DUMMY", path: "SIZE_1048576_0_0" } },
      ],
    });
    const afterMs = Date.now();
    expect(harness.mesh.ready).toBe(true);
    const status = await harness.management.getModelStatus({ modelId: "eager" });
    expect(Status[status.status]).toBe("LOADED");
    const lazy = await harness.management.getModelStatus({ modelId: "lazy" });
    expect(Status[lazy.status]).toBe("NOT_LOADED");
    const registry = harness.store.table("registry", modelRecordCodec);
    // loadNow registrations start an hour back, others six; the wait (a year back) changes neither.
    const eagerLu = (await registry.get("eager"))?.value.lastUsedMs ?? 0;
    expect(eagerLu).toBeGreaterThanOrEqual(beforeMs - HOUR_MS);
    expect(eagerLu).toBeLessThanOrEqual(afterMs - HOUR_MS);
    const lazyLu = (await registry.get("lazy"))?.value.lastUsedMs ?? 0;
    expect(lazyLu).toBeGreaterThanOrEqual(beforeMs - 6 * HOUR_MS);
    expect(lazyLu).toBeLessThanOrEqual(afterMs - 6 * HOUR_MS);
  });

  it("rejects start() naming the model when its load fails", async () => {
    await expect(
      startMesh({
        staticModels: [
          { modelId: "broken", modelInfo: { type: "DUMMY", path: "FAIL_disk on fire" }, ensureLoaded: true },
        ],
      }),
    ).rejects.toThrow(/^static registration: model "broken" failed to load: .*disk on fire/);
  });
});
