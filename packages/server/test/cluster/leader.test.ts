import { addCopy, addLoadFailure, createModelRecord, modelRecordCodec } from "@modelmesh/core";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSharedStore, type SharedStore, startInstance, type TestInstance } from "./cluster-harness.js";

const HOUR = 3_600_000;
const timings = {
  reaperFirstRunMs: 100,
  reaperIntervalMs: 300,
  assumeInstanceGoneAfterMs: 500,
  instancePublishMinIntervalMs: 50,
  janitorIntervalMs: 60_000,
};

describe("leader election and leader duties (two instances, one embedded store)", () => {
  let shared: SharedStore;
  let a: TestInstance;
  let b: TestInstance;
  const registry = () => shared.store.table("registry", modelRecordCodec);
  const copiesOf = async (modelId: string) =>
    Object.keys((await registry().get(modelId))?.value.instanceIds ?? {});

  beforeAll(async () => {
    shared = await openSharedStore("cluster-leader-test");
    a = await startInstance(shared.store, { instanceId: "leader-a", timings });
    b = await startInstance(shared.store, { instanceId: "leader-b", timings });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await shared?.close();
  });

  it("elects exactly one leader: the first candidate", async () => {
    await waitUntil(() => a.mesh.isLeader, { timeoutMs: 10_000, description: "a leads" });
    expect(b.mesh.isLeader).toBe(false);
  });

  it("reaper: prunes copies and failures of a gone instance, keeps those of live ones", async () => {
    await a.management.registerModel({
      modelId: "reap-live",
      modelInfo: { type: "example", path: "sentiment" },
      loadNow: true,
      sync: true,
    });
    expect(await copiesOf("reap-live")).toEqual(["leader-a"]);
    const old = Date.now() - HOUR;
    const ghostly = addLoadFailure(
      addCopy(createModelRecord({ type: "example", path: "sentiment", lastUsedMs: old }), "ghost-1", old),
      { instanceId: "ghost-2", failedAtMs: old, message: "boom" },
    );
    await registry().create("reap-ghost", ghostly);
    await waitUntil(
      async () => {
        const record = (await registry().get("reap-ghost"))?.value;
        return record !== undefined && !("ghost-1" in record.instanceIds) && !("ghost-2" in record.failedIn);
      },
      { timeoutMs: 20_000, description: "ghost registrations pruned" },
    );
    expect(await copiesOf("reap-live")).toEqual(["leader-a"]);
  });

  it("proactive loading: the leader loads a registered model into its free space", async () => {
    await a.management.registerModel({ modelId: "pro-1", modelInfo: { type: "example", path: "sentiment" } });
    await waitUntil(async () => (await copiesOf("pro-1")).length > 0, {
      timeoutMs: 20_000,
      description: "pro-1 loaded proactively",
    });
    expect(await copiesOf("pro-1")).toEqual(["leader-a"]);
    await a.runtime.waitForEvent("model-loaded", (e) => e.modelId === "pro-1", 20_000);
  });

  it("hands leadership over on shutdown; the new leader's duties run", async () => {
    await a.close();
    await waitUntil(() => b.mesh.isLeader, { timeoutMs: 20_000, description: "b leads" });
    await b.management.registerModel({ modelId: "pro-2", modelInfo: { type: "example", path: "sentiment" } });
    await waitUntil(async () => (await copiesOf("pro-2")).includes("leader-b"), {
      timeoutMs: 20_000,
      description: "pro-2 loaded by the new leader",
    });
  });
});
