import { addCopy, modelRecordCodec, removeCopy } from "@modelmesh/core";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MeshHarness, startMesh } from "./mesh-harness.js";

describe("janitor: cache ↔ registry reconciliation", () => {
  let h: MeshHarness;
  const registry = () => h.store.table("registry", modelRecordCodec);
  beforeAll(async () => {
    h = await startMesh({ instanceId: "jan", timings: { janitorIntervalMs: 300 } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("registers a loaded copy again when the registry lost it", async () => {
    await h.management.registerModel({
      modelId: "jan-1",
      modelInfo: { type: "example", path: "sentiment" },
      loadNow: true,
      sync: true,
    });
    const loadedAt = (await registry().get("jan-1"))?.value.instanceIds.jan;
    expect(loadedAt).toBeGreaterThan(0);
    await registry().update("jan-1", (current) =>
      current ? { put: removeCopy(current.value, { instanceId: "jan", nowMs: Date.now() }) } : undefined,
    );
    await waitUntil(async () => (await registry().get("jan-1"))?.value.instanceIds.jan === loadedAt, {
      timeoutMs: 10_000,
      description: "registration restored",
    });
  });

  it("removes a registration of this instance that has no local copy", async () => {
    await h.management.registerModel({ modelId: "jan-2", modelInfo: { type: "example", path: "sentiment" } });
    await registry().update("jan-2", (current) =>
      current ? { put: addCopy(current.value, "jan", Date.now() - 60_000) } : undefined,
    );
    await waitUntil(async () => (await registry().get("jan-2"))?.value.instanceIds.jan === undefined, {
      timeoutMs: 10_000,
      description: "stale registration pruned",
    });
    expect(h.runtime.events("load-started").some((e) => e.modelId === "jan-2")).toBe(false);
  });
});
