import { addCopy, type InstanceRecord, instanceRecordCodec, modelRecordCodec } from "@modelmesh/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSharedStore, type SharedStore, startInstance, type TestInstance } from "./cluster-harness.js";

const MIB = 1024 * 1024;
const HOUR = 3_600_000;

/** A full peer whose least recently used copy is 100 h old (the record only: no process). */
function fullPeer(): InstanceRecord {
  return {
    startTimeMs: Date.now() - HOUR,
    version: 0,
    labels: [],
    lruTimeMs: Date.now() - 100 * HOUR,
    count: 1,
    capacityUnits: 2000,
    usedUnits: 2000,
    loadingThreads: 2,
    loadsInProgress: 0,
    rpm: 0,
    shutdown: false,
    extra: {},
  };
}

describe("scale-down by the janitor (partition ≥ 95 % full)", () => {
  let shared: SharedStore;
  let a: TestInstance;
  const registry = () => shared.store.table("registry", modelRecordCodec);

  beforeAll(async () => {
    shared = await openSharedStore("cluster-scale-down-test");
    // 20 MiB runtime, 1 MiB default size: one 18 MiB model fills it past 95 %.
    a = await startInstance(shared.store, {
      instanceId: "down-a",
      runtimeArgs: ["--capacity-bytes", String(20 * MIB), "--default-model-size-bytes", String(MIB)],
      timings: { janitorIntervalMs: 300, minChurnAgeMs: 0, instancePublishMinIntervalMs: 50 },
    });
  });
  afterAll(async () => {
    await a?.close();
    await shared?.close();
  });

  it("removes the local copy of a 2-copy model unused for longer than its removal age", async () => {
    const modelId = "cold-twin";
    await a.management.registerModel({
      modelId,
      modelInfo: { type: "example", path: `SIZE_${18 * MIB}_0_0` },
    });
    await a.management.ensureLoaded({ modelId, sync: true, lastUsedTime: BigInt(Date.now() - 20 * HOUR) });
    await a.runtime.waitForEvent("model-loaded", (e) => e.modelId === modelId, 20_000);
    // Precondition: a single copy, here (a single copy is never scaled down).
    expect(Object.keys((await registry().get(modelId))?.value.instanceIds ?? {})).toEqual(["down-a"]);

    await shared.store.table("instances", instanceRecordCodec).create("full-peer", fullPeer());
    await registry().update(modelId, (current) =>
      current ? { put: addCopy(current.value, "full-peer", Date.now() - 2 * HOUR) } : undefined,
    );
    await a.runtime.waitForEvent("model-unloaded", (e) => e.modelId === modelId, 20_000);
    const record = (await registry().get(modelId))?.value;
    expect(Object.keys(record?.instanceIds ?? {})).toEqual(["full-peer"]);
  });
});
