import { instanceRecordCodec } from "@modelmesh/core";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseTypeConstraints } from "../../src/index.js";
import {
  captureLogs,
  openSharedStore,
  type SharedStore,
  startInstance,
  type TestInstance,
} from "./cluster-harness.js";

const typeConstraints = parseTypeConstraints(
  JSON.stringify({
    "gpu-type": { required: ["gpu"] },
    "tpu-type": { required: ["tpu"] },
    "cpu-type": { required: ["cpu"] },
  }),
);

describe("labels, zones and type constraints (two instances, one embedded store)", () => {
  let shared: SharedStore;
  let gpu: TestInstance;
  let plain: TestInstance;
  const gpuLogs = captureLogs();

  beforeAll(async () => {
    shared = await openSharedStore("cluster-labels-test");
    const timings = { instancePublishMinIntervalMs: 50, reaperFirstRunMs: 100, reaperIntervalMs: 300 };
    gpu = await startInstance(shared.store, {
      logger: gpuLogs,
      instanceId: "lbl-gpu",
      labels: ["zeta", "gpu"],
      zone: "zone-1",
      typeConstraints,
      timings,
    });
    plain = await startInstance(shared.store, {
      instanceId: "lbl-plain",
      labels: ["cpu"],
      typeConstraints,
      timings,
    });
  });
  afterAll(async () => {
    await plain?.close();
    await gpu?.close();
    await shared?.close();
  });

  it("publishes labels (sorted) and the zone in the instance record", async () => {
    const record = await waitUntil(
      async () => (await shared.store.table("instances", instanceRecordCodec).get("lbl-gpu"))?.value,
      { timeoutMs: 10_000 },
    );
    expect(record.labels).toEqual(["gpu", "zeta"]);
    expect(record.zone).toBe("zone-1");
  });

  it("refuses a type no live instance has the labels for", async () => {
    await plain.management.registerModel({
      modelId: "tpu-1",
      modelInfo: { type: "tpu-type", path: "sentiment" },
    });
    await expect(
      plain.predictor.predict({ text: "x" }, { headers: { "mm-model-id": "tpu-1" } }),
    ).rejects.toThrow(/label requirements of type tpu-type/);
  });

  it("loads a constrained type only on an instance with its labels", async () => {
    await gpu.management.registerModel({
      modelId: "gpu-1",
      modelInfo: { type: "gpu-type", path: "sentiment" },
    });
    const answer = await gpu.predictor.predict({ text: "x" }, { headers: { "mm-model-id": "gpu-1" } });
    expect(answer.results[1]?.category).toBe("gpu-1");
    // Through the unlabelled instance, placement may only pick the labelled one (not reachable
    // without the peer layer): nothing may load locally.
    await plain.predictor
      .predict({ text: "x" }, { headers: { "mm-model-id": "gpu-1" } })
      .catch(() => undefined);
    await plain.management.ensureLoaded({ modelId: "gpu-1", sync: true }).catch(() => undefined);
    await plain.runtime.syncEvents();
    expect(plain.runtime.events("load-started").filter((e) => e.modelId === "gpu-1")).toEqual([]);
  });

  it("leader's proactive loading: a copy wanted on another instance is not loaded here (no peer transport in this harness)", async () => {
    await waitUntil(() => gpu.mesh.isLeader, { timeoutMs: 10_000, description: "the first instance leads" });
    await gpu.management.registerModel({
      modelId: "cpu-1",
      modelInfo: { type: "cpu-type", path: "sentiment" },
    });
    const line = await waitUntil(
      () =>
        gpuLogs.lines.find(
          (l) => l.fields.modelId === "cpu-1" && l.message.includes("placement chose another instance"),
        ),
      { timeoutMs: 20_000, description: "remote copy request logged" },
    );
    expect(line.fields).toMatchObject({ reason: "proactive", target: "lbl-plain" });
    await gpu.runtime.syncEvents();
    expect(gpu.runtime.events("load-started").filter((e) => e.modelId === "cpu-1")).toEqual([]);
  });
});
