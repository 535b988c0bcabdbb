import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MeshHarness, modelHeaders, startMesh } from "./mesh-harness.js";

describe("loading queue priority", () => {
  let h: MeshHarness;
  beforeAll(async () => {
    h = await startMesh({ runtimeArgs: ["--loading-concurrency", "1"] });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("lets a model hit by inference overtake queued background loads", async () => {
    const slow = "SIZE_1000000_500_0";
    for (const id of ["bg-1", "bg-2", "bg-3", "req-1"]) {
      await h.management.registerModel({ modelId: id, modelInfo: { type: "example", path: slow } });
    }
    for (const id of ["bg-1", "bg-2", "bg-3"]) await h.management.ensureLoaded({ modelId: id });
    await h.runtime.waitForEvent("load-started", (e) => e.modelId === "bg-1");
    const answer = await h.predictor.predict({ text: "x" }, { headers: modelHeaders("req-1") });
    expect(answer.results[1]?.category).toBe("req-1");
    await waitUntil(() => h.runtime.events("load-started").length >= 4, { timeoutMs: 20_000 });
    const order = h.runtime.events("load-started").map((e) => e.modelId);
    expect(order.slice(0, 2)).toEqual(["bg-1", "req-1"]);
  });

  it("promotes a queued background load when an inference request starts waiting on it", async () => {
    const slow = "SIZE_1000000_500_0";
    // Let the first test's background loads finish.
    await waitUntil(() => h.runtime.events("model-loaded").length >= 4, { timeoutMs: 20_000 });
    // Background loads run most recently used first: p-2 before p-3, unless p-3 is promoted.
    const now = Date.now();
    const lastUsed = { "p-1": now, "p-2": now - 60_000, "p-3": now - 120_000 };
    for (const [id, lastUsedMs] of Object.entries(lastUsed)) {
      await h.management.registerModel({ modelId: id, modelInfo: { type: "example", path: slow } });
      await h.management.ensureLoaded({ modelId: id, lastUsedTime: BigInt(lastUsedMs) });
    }
    await h.runtime.waitForEvent("load-started", (e) => e.modelId === "p-1");
    const answer = await h.predictor.predict({ text: "x" }, { headers: modelHeaders("p-3") });
    expect(answer.results[1]?.category).toBe("p-3");
    await waitUntil(() => h.runtime.events("load-started").some((e) => e.modelId === "p-2"), {
      timeoutMs: 20_000,
    });
    const order = h.runtime
      .events("load-started")
      .map((e) => e.modelId)
      .filter((id) => String(id).startsWith("p-"));
    expect(order).toEqual(["p-1", "p-3", "p-2"]);
  });
});
