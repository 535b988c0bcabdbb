import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CopyRequest, CopyRequester } from "../../src/index.js";
import { openSharedStore, type SharedStore, startInstance, type TestInstance } from "./cluster-harness.js";

/** Records what the cluster duties ask for; implements the real port. */
class RecordingCopyRequester implements CopyRequester {
  readonly requests: CopyRequest[] = [];
  async requestCopy(request: CopyRequest) {
    this.requests.push(request);
    return { kind: "skipped" as const, reason: "recorded" };
  }
}

// Early scale-up: a burst on a model gets its scale-up within about a second, not at the next
// rate check. Here the regular check runs only every 10 min, so any request in the test's time
// comes from the early path.
describe("early scale-up on a burst (three instances, one embedded store)", () => {
  let shared: SharedStore;
  const instances: TestInstance[] = [];
  const requester = new RecordingCopyRequester();
  const timings = {
    rateCheckFirstRunMs: 600_000,
    rateCheckIntervalMs: 600_000,
    instancePublishMinIntervalMs: 0,
  };

  beforeAll(async () => {
    shared = await openSharedStore("cluster-early-scale-up-test");
    instances.push(
      await startInstance(shared.store, {
        instanceId: "early-a",
        timings,
        scaleUpRpmThreshold: 10,
        copyRequester: requester,
      }),
    );
    for (const id of ["early-b", "early-c"])
      instances.push(await startInstance(shared.store, { instanceId: id, timings }));
  }, 120_000);
  afterAll(async () => {
    for (const instance of instances.reverse()) await instance.close();
    await shared?.close();
  });

  it("asks for two more copies within seconds of a burst, excluding itself", async () => {
    const [a] = instances;
    if (a === undefined) throw new Error("no instance");
    await a.management.registerModel({
      modelId: "burst",
      modelInfo: { type: "example", path: "sentiment" },
      loadNow: true,
      sync: true,
    });
    const burst = () =>
      Promise.all(
        Array.from({ length: 30 }, () =>
          a.predictor.predict({ text: "x" }, { headers: { "mm-model-id": "burst" } }),
        ),
      );
    await burst();
    const request = await waitUntil(
      () => requester.requests.find((r) => r.reason === "scale-up" && r.modelId === "burst"),
      { timeoutMs: 30_000, description: "an early scale-up" },
    );
    expect(request.excludeInstanceIds).toContain("early-a");
    expect(request.chainCount).toBe(1); // two more copies: one request, chained once
  });
});
