import { instanceRecordCodec, modelRecordCodec } from "@modelmesh/core";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MeshHarness, modelHeaders, startMesh } from "./mesh-harness.js";

describe("instance record and lifecycle", () => {
  let h: MeshHarness;
  const instance = () => h.store.table("instances", instanceRecordCodec).get("record-test");
  beforeAll(async () => {
    h = await startMesh({ instanceId: "record-test", timings: { instancePublishMinIntervalMs: 50 } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("publishes an empty instance on start", async () => {
    expect(h.mesh.ready).toBe(true);
    const record = (await instance())?.value;
    expect(record).toMatchObject({
      location: "127.0.0.1",
      count: 0,
      usedUnits: 0,
      loadsInProgress: 0,
      loadingThreads: 6,
      capacityUnits: 131072 - 9600,
      shutdown: false,
      lruTimeMs: Number.MAX_SAFE_INTEGER,
    });
    expect(record?.startTimeMs).toBeGreaterThan(Date.now() - 120_000);
  });

  it("shows a loaded copy (0 < used ≤ capacity) and clears it on delete", async () => {
    await h.management.registerModel({ modelId: "rec-1", modelInfo: { type: "example", path: "sentiment" } });
    await h.predictor.predict({ text: "x" }, { headers: modelHeaders("rec-1") });
    const loaded = await waitUntil(
      async () => {
        const record = (await instance())?.value;
        return record?.count === 1 ? record : undefined;
      },
      { timeoutMs: 10_000, description: "count 1" },
    );
    expect(loaded.usedUnits).toBeGreaterThan(0);
    expect(loaded.usedUnits).toBeLessThanOrEqual(loaded.capacityUnits);
    expect(loaded.lruTimeMs).toBeLessThanOrEqual(Date.now());
    await h.management.unregisterModel({ modelId: "rec-1" });
    await waitUntil(async () => (await instance())?.value.count === 0, {
      timeoutMs: 10_000,
      description: "count 0",
    });
  });

  it("publishes its record again when it disappears", async () => {
    const table = h.store.table("instances", instanceRecordCodec);
    const current = await table.get("record-test");
    expect(current).toBeDefined();
    await table.deleteIfRevision("record-test", current?.revision ?? 0);
    await waitUntil(async () => (await instance()) !== undefined, {
      timeoutMs: 10_000,
      description: "record back",
    });
  });

  it("shuts down: drains calls in flight, refuses new ones, removes its copies and its record", async () => {
    await h.management.registerModel({
      modelId: "rec-2",
      modelInfo: { type: "example", path: "sentiment" },
      loadNow: true,
      sync: true,
    });
    const delays = h.runtime.events("delay-started").length;
    const inFlight = h.predictor.predict({ text: "test:delay:1000" }, { headers: modelHeaders("rec-2") });
    await waitUntil(() => h.runtime.events("delay-started").length > delays, { timeoutMs: 10_000 });
    expect(h.mesh.inFlight).toBe(1);
    await h.mesh.shutdown(Date.now() + 10_000);
    expect((await inFlight).results[1]?.category).toBe("rec-2");
    expect(h.mesh.ready).toBe(false);
    expect(await instance()).toBeUndefined();
    const record = await h.store.table("registry", modelRecordCodec).get("rec-2");
    expect(record?.value.instanceIds).toEqual({});
    await expect(
      h.predictor.predict({ text: "x" }, { headers: modelHeaders("rec-2") }),
    ).rejects.toMatchObject({
      rawMessage: "ModelMesh instance is not ready",
    });
  });
});
