import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CopyRequest, CopyRequester } from "../../src/index.js";
import { openSharedStore, type SharedStore, startInstance, type TestInstance } from "./cluster-harness.js";

/** Records what the rate check asks for; implements the real port. */
class RecordingCopyRequester implements CopyRequester {
  readonly requests: CopyRequest[] = [];
  async requestCopy(request: CopyRequest) {
    this.requests.push(request);
    return { kind: "skipped" as const, reason: "recorded" };
  }
}

const timings = {
  rateCheckFirstRunMs: 200,
  rateCheckIntervalMs: 500,
  instancePublishMinIntervalMs: 50,
  // The second-copy window shrunk from 7–40 min to 1–20 s, as the original's test does.
  minSecondCopyAgeMs: 1000,
  maxSecondCopyAgeMs: 20_000,
};

describe("rate-based scale-up (two instances, one embedded store)", () => {
  let shared: SharedStore;
  let a: TestInstance;
  let b: TestInstance;
  const requester = new RecordingCopyRequester();

  beforeAll(async () => {
    shared = await openSharedStore("cluster-scale-up-test");
    // The static threshold is out of reach: only the store's dynamic value can trigger scale-up.
    a = await startInstance(shared.store, {
      instanceId: "up-a",
      timings,
      scaleUpRpmThreshold: 10_000_000,
      copyRequester: requester,
    });
    b = await startInstance(shared.store, { instanceId: "up-b", timings });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await shared?.close();
  });

  const hammer = async (count: number) => {
    for (let i = 0; i < count; i++) {
      await a.predictor.predict({ text: "x" }, { headers: { "mm-model-id": "hot" } });
    }
  };

  it("asks for copies elsewhere once a copy's rate passes the store's scaleup_rpm_threshold", async () => {
    await a.management.registerModel({
      modelId: "hot",
      modelInfo: { type: "example", path: "sentiment" },
      loadNow: true,
      sync: true,
    });
    await shared.store.config().create("scaleup_rpm_threshold", "10");
    const request = await waitUntil(
      async () => {
        await hammer(5);
        return requester.requests.find((r) => r.reason === "scale-up" && r.modelId === "hot");
      },
      { timeoutMs: 20_000, description: "scale-up requested" },
    );
    expect(request.excludeInstanceIds).toContain("up-a");
    expect(request.excludeInstanceIds).not.toContain("up-b");
    expect(request.chainCount).toBe(0); // only one other instance: one more copy
    expect(request.lastUsedMs).toBeGreaterThan(Date.now()); // load-triggered scale-up (§3.4)
  });

  it("asks for a second copy of a single-copy model used again 1–20 s after an earlier use", async () => {
    await a.management.registerModel({
      modelId: "regular",
      modelInfo: { type: "example", path: "sentiment" },
      loadNow: true,
      sync: true,
    });
    const started = Date.now();
    const request = await waitUntil(
      async () => {
        await a.predictor.predict({ text: "x" }, { headers: { "mm-model-id": "regular" } });
        return requester.requests.find((r) => r.reason === "second-copy" && r.modelId === "regular");
      },
      { timeoutMs: 30_000, intervalMs: 300, description: "second copy requested" },
    );
    // Not before the minimum age had passed since the first observed use.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(request.excludeInstanceIds).toEqual(["up-a"]);
    expect(request.chainCount).toBe(0);
  });
});
