import { type InstanceRecord, instanceRecordCodec } from "@modelmesh/core";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSharedStore, type SharedStore, startInstance, type TestInstance } from "./cluster-harness.js";

const migrating: InstanceRecord = {
  startTimeMs: 1,
  version: 0,
  labels: [],
  lruTimeMs: 0,
  count: 1,
  capacityUnits: 100,
  usedUnits: 10,
  loadingThreads: 1,
  loadsInProgress: 0,
  rpm: 0,
  shutdown: true,
  extra: {},
};

// Rolling updates (§9.4): until it has first been ready, an instance is not ready while another
// instance's record says `shutdown` (that instance is migrating its models away); once ready it
// stays ready.
describe("readiness gating during rolling updates", () => {
  let shared: SharedStore;
  let fresh: TestInstance;

  beforeAll(async () => {
    shared = await openSharedStore("cluster-readiness-test");
    await shared.store.table("instances", instanceRecordCodec).create("old-pod", migrating);
    fresh = await startInstance(shared.store, { instanceId: "new-pod" });
  }, 60_000);
  afterAll(async () => {
    await fresh?.close();
    await shared?.close();
  });

  it("waits for the migrating instance to leave, then stays ready when another one starts migrating", async () => {
    const instances = shared.store.table("instances", instanceRecordCodec);
    expect(fresh.mesh.ready).toBe(false);
    const current = await instances.get("old-pod");
    if (current === undefined) throw new Error("no old-pod record");
    await instances.deleteIfRevision("old-pod", current.revision);
    await waitUntil(() => fresh.mesh.ready, { timeoutMs: 10_000, description: "ready once old-pod left" });
    await instances.create("other-pod", migrating);
    // A second new instance, started after other-pod's record was written, is held back by it:
    // by then the first one's mirror has seen the record too, and it stays ready.
    const second = await startInstance(shared.store, { instanceId: "new-pod-2" });
    try {
      expect(second.mesh.ready).toBe(false);
    } finally {
      await second.close();
    }
    expect(fresh.mesh.ready).toBe(true);
  });
});
