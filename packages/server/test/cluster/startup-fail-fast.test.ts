import { ModelStatusInfo_ModelStatus } from "@modelmesh/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSharedStore, type SharedStore, startInstance, type TestInstance } from "./cluster-harness.js";

// Startup fail-fast (§9.6): an instance whose loads mostly fail in its first minutes (a broken
// new version in a rolling update) stops reporting ready for good, so the update stalls while
// the old instances keep serving. With MM_FAILFAST_UPGRADE_ENABLED=false it stays ready.
describe("startup fail-fast (bootstrap clearance)", () => {
  let shared: SharedStore;
  let guarded: TestInstance;
  let unguarded: TestInstance;

  beforeAll(async () => {
    shared = await openSharedStore("cluster-fail-fast-test");
    guarded = await startInstance(shared.store, {
      instanceId: "ff-on",
      bootstrapClearance: { enabled: true, periodMs: 600_000 },
    });
    unguarded = await startInstance(shared.store, {
      instanceId: "ff-off",
      bootstrapClearance: { enabled: false, periodMs: 600_000 },
    });
  }, 60_000);
  afterAll(async () => {
    await unguarded?.close();
    await guarded?.close();
    await shared?.close();
  });

  const failAll = async (instance: TestInstance, prefix: string, count: number) => {
    for (let i = 0; i < count; i++) {
      const status = await instance.management.registerModel({
        modelId: `${prefix}-${i}`,
        modelInfo: { type: "example", path: `FAIL_broken ${i}` },
        loadNow: true,
        sync: true,
      });
      expect(status.status).toBe(ModelStatusInfo_ModelStatus.LOADING_FAILED);
    }
  };

  it("stays ready through 20 failed loads and turns not ready for good on the 21st", async () => {
    expect(guarded.mesh.ready).toBe(true);
    await failAll(guarded, "on", 20);
    expect(guarded.mesh.ready).toBe(true);
    await failAll(guarded, "on-last", 1);
    expect(guarded.mesh.ready).toBe(false);
    // A later successful load does not clear it.
    await guarded.management.registerModel({
      modelId: "ok",
      modelInfo: { type: "example", path: "sentiment" },
      loadNow: true,
      sync: true,
    });
    expect(guarded.mesh.ready).toBe(false);
  });

  it("is off with MM_FAILFAST_UPGRADE_ENABLED=false", async () => {
    await failAll(unguarded, "off", 21);
    expect(unguarded.mesh.ready).toBe(true);
  });
});
