import { instanceRecordCodec, modelRecordCodec } from "@modelmesh/core";
import { ModelStatusInfo_ModelStatus as Status } from "@modelmesh/proto";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MeshHarness, modelHeaders, startMesh } from "./mesh-harness.js";

const MIB = 1024 * 1024;
/** 50 MiB echo models, as the original's EvictionsModelMeshTest. */
const MODEL_PATH = `SIZE_${50 * MIB}_0_0`;

describe("eviction (1 GiB runtime, 50 MiB models)", () => {
  let h: MeshHarness;
  const registry = () => h.store.table("registry", modelRecordCodec);
  beforeAll(async () => {
    // The churn guard would refuse loads into a full cache whose oldest entry is young.
    h = await startMesh({ timings: { minChurnAgeMs: 0, instancePublishMinIntervalMs: 50 } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("fits 18 models next to the unload buffer; the 19th evicts exactly the oldest", async () => {
    for (let i = 1; i <= 19; i++) {
      await h.management.registerModel({
        modelId: `ev-${i}`,
        modelInfo: { type: "example", path: MODEL_PATH },
      });
    }
    for (let i = 1; i <= 18; i++) {
      const answer = await h.predictor.predict({ text: "x" }, { headers: modelHeaders(`ev-${i}`) });
      expect(answer.results[1]?.category).toBe(`ev-${i}`);
    }
    // Sizes come from modelSize after the load: wait until every copy is sized.
    await waitUntil(() => h.runtime.events("model-loaded").length >= 18, { timeoutMs: 20_000 });
    expect(h.runtime.events("model-unloaded")).toHaveLength(0);

    await h.predictor.predict({ text: "x" }, { headers: modelHeaders("ev-19") });
    await h.runtime.waitForEvent("model-unloaded", (e) => e.modelId === "ev-1", 20_000);
    await waitUntil(
      async () => Object.keys((await registry().get("ev-1"))?.value.instanceIds ?? { x: 1 }).length === 0,
      {
        timeoutMs: 10_000,
        description: "ev-1 deregistered",
      },
    );
    expect(h.runtime.events("model-unloaded").map((e) => e.modelId)).toEqual(["ev-1"]);
    expect((await h.management.getModelStatus({ modelId: "ev-1" })).status).toBe(Status.NOT_LOADED);
    expect((await h.management.getModelStatus({ modelId: "ev-2" })).status).toBe(Status.LOADED);

    const instance = await waitUntil(
      async () => {
        const record = (await h.store.table("instances", instanceRecordCodec).get("test-instance"))?.value;
        return record?.count === 18 ? record : undefined;
      },
      { timeoutMs: 10_000, description: "instance record shows 18 copies" },
    );
    expect(instance.usedUnits).toBe(18 * 6400);
    expect(instance.capacityUnits).toBe(131072 - 9600);
  });

  it("evicts exactly the oldest N for N concurrent loads", async () => {
    for (let i = 20; i <= 22; i++) {
      await h.management.registerModel({
        modelId: `ev-${i}`,
        modelInfo: { type: "example", path: MODEL_PATH },
      });
    }
    await Promise.all(
      [20, 21, 22].map((i) => h.predictor.predict({ text: "x" }, { headers: modelHeaders(`ev-${i}`) })),
    );
    await waitUntil(() => h.runtime.events("model-unloaded").length >= 4, { timeoutMs: 20_000 });
    const unloaded = h.runtime.events("model-unloaded").map((e) => String(e.modelId));
    expect(unloaded.sort()).toEqual(["ev-1", "ev-2", "ev-3", "ev-4"]);
  });

  it("keeps every newer model while loads and unregistrations of the oldest run concurrently", async () => {
    // Cached now: ev-5 … ev-22 (oldest first).
    const fresh = [23, 24, 25, 26, 27].map((i) => `ev-${i}`);
    for (const id of fresh) {
      await h.management.registerModel({ modelId: id, modelInfo: { type: "example", path: MODEL_PATH } });
    }
    const removed = ["ev-5", "ev-7", "ev-9"];
    await Promise.all([
      ...fresh.map((id) => h.predictor.predict({ text: "x" }, { headers: modelHeaders(id) })),
      ...removed.map((id) => h.management.unregisterModel({ modelId: id })),
    ]);
    for (const id of removed) {
      expect((await h.management.getModelStatus({ modelId: id })).status, id).toBe(Status.NOT_FOUND);
    }
    for (const id of ["ev-6", "ev-8"]) {
      expect([Status.LOADED, Status.NOT_LOADED], id).toContain(
        (await h.management.getModelStatus({ modelId: id })).status,
      );
    }
    for (let i = 10; i <= 27; i++) {
      expect((await h.management.getModelStatus({ modelId: `ev-${i}` })).status, `ev-${i}`).toBe(
        Status.LOADED,
      );
    }
  });
});

describe("eviction with slow unloads (the unload buffer)", () => {
  let h: MeshHarness;
  beforeAll(async () => {
    h = await startMesh({ timings: { minChurnAgeMs: 0 } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("absorbs the first evictions; a third load waits for the first unload to finish", async () => {
    const slowUnload = `SIZE_${50 * MIB}_0_1000`;
    for (let i = 1; i <= 21; i++) {
      await h.management.registerModel({
        modelId: `su-${i}`,
        modelInfo: { type: "example", path: slowUnload },
      });
    }
    for (let i = 1; i <= 18; i++)
      await h.predictor.predict({ text: "x" }, { headers: modelHeaders(`su-${i}`) });
    await waitUntil(() => h.runtime.events("model-loaded").length >= 18, { timeoutMs: 20_000 });
    await h.predictor.predict({ text: "x" }, { headers: modelHeaders("su-19") });
    await h.predictor.predict({ text: "x" }, { headers: modelHeaders("su-20") });
    await h.predictor.predict({ text: "x" }, { headers: modelHeaders("su-21") });
    const events = h.runtime
      .events()
      .filter((e) => e.event === "load-started" || e.event === "model-unloaded");
    const at = (event: string, modelId: string) =>
      events.findIndex((e) => e.event === event && e.modelId === modelId);
    // su-19 and su-20 started while su-1 was still unloading (the buffer absorbed it) ...
    expect(at("model-unloaded", "su-1")).toBeGreaterThanOrEqual(0);
    expect(at("load-started", "su-20")).toBeLessThan(at("model-unloaded", "su-1"));
    // ... su-21 had to wait for that unload (two unloads in flight filled the buffer).
    expect(at("model-unloaded", "su-1")).toBeLessThan(at("load-started", "su-21"));
  });
});

describe("size re-adjustment after load", () => {
  let h: MeshHarness;
  beforeAll(async () => {
    // Without predictModelSize every model is predicted at the default 50 MiB.
    h = await startMesh({ runtimeArgs: ["--no-predict-size"], timings: { minChurnAgeMs: 0 } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("a model that sizes larger than predicted evicts more of the oldest, and only those", async () => {
    for (let i = 1; i <= 18; i++) {
      await h.management.registerModel({
        modelId: `sz-${i}`,
        modelInfo: { type: "example", path: MODEL_PATH },
      });
      await h.predictor.predict({ text: "x" }, { headers: modelHeaders(`sz-${i}`) });
    }
    await waitUntil(() => h.runtime.events("model-loaded").length >= 18, { timeoutMs: 20_000 });
    await h.management.registerModel({
      modelId: "big",
      modelInfo: { type: "example", path: `SIZE_${160 * MIB}_0_0` },
    });
    await h.predictor.predict({ text: "x" }, { headers: modelHeaders("big") });
    // 160 MiB instead of 50: sz-1 goes on insert, sz-2 and sz-3 after sizing (the rest of the
    // growth is a deficit the next unloads repay), as in the original's basicEvictionTest.
    await waitUntil(() => h.runtime.events("model-unloaded").length >= 3, { timeoutMs: 20_000 });
    const unloaded = h.runtime.events("model-unloaded").map((e) => String(e.modelId));
    expect(unloaded.sort()).toEqual(["sz-1", "sz-2", "sz-3"]);
    for (const id of ["sz-4", "sz-18", "big"]) {
      expect((await h.management.getModelStatus({ modelId: id })).status, id).toBe(Status.LOADED);
    }
  });
});
