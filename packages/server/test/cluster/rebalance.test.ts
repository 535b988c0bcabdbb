import { ModelStatusInfo_ModelStatus } from "@modelmesh/proto";
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

const MiB = 1024 * 1024;
const model = (i: number) => `reb-${i}`;

// Rebalancing reload (§4.6): a copy evicted from a full instance is loaded again elsewhere when
// the cluster has room, but only once it had been loaded for more than 2 × the load timeout.
describe("rebalancing reload after eviction (two instances, one embedded store)", () => {
  let shared: SharedStore;
  let small: TestInstance;
  let roomy: TestInstance;
  const requester = new RecordingCopyRequester();

  beforeAll(async () => {
    shared = await openSharedStore("cluster-rebalance-test");
    // 4 × 50 MiB models fill `small` (plus its unload buffer); a 2 s load timeout makes
    // copies older than 4 s eligible.
    small = await startInstance(shared.store, {
      instanceId: "reb-small",
      copyRequester: requester,
      timings: { instancePublishMinIntervalMs: 0 },
      runtimeArgs: [
        "--capacity-bytes",
        String(256 * MiB),
        "--default-model-size-bytes",
        String(10 * MiB),
        "--load-timeout-ms",
        "2000",
      ],
    });
    roomy = await startInstance(shared.store, {
      instanceId: "reb-roomy",
      timings: { instancePublishMinIntervalMs: 0 },
      runtimeArgs: ["--capacity-bytes", String(4096 * MiB)],
    });
  }, 120_000);
  afterAll(async () => {
    await roomy?.close();
    await small?.close();
    await shared?.close();
  });

  const register = (i: number) =>
    small.management.registerModel({
      modelId: model(i),
      modelInfo: { type: "DUMMY", path: `SIZE_${50 * MiB}_0_0` },
      loadNow: true,
      sync: true,
    });

  it("asks for a copy elsewhere of an old copy evicted here, excluding this instance", async () => {
    // Overflowing the cache at once evicts young copies: not rebalanced (churn, not imbalance).
    for (let i = 0; i < 8; i++) await register(i);
    const young = requester.requests.length;
    const evictedYoung = (await small.management.getModelStatus({ modelId: model(0) })).status;
    // Let the survivors age past 2 × the load timeout, then overflow the cache again.
    await new Promise((resolve) => setTimeout(resolve, 4500));
    for (let i = 8; i < 13; i++) await register(i);
    const request = await waitUntil(() => requester.requests.find((r) => r.reason === "rebalance"), {
      timeoutMs: 20_000,
      description: "a rebalancing reload requested",
    });
    expect(evictedYoung).not.toBe(ModelStatusInfo_ModelStatus.LOADED);
    expect(young).toBe(0);
    expect(request.excludeInstanceIds).toEqual(["reb-small"]);
    expect(request.chainCount).toBe(0);
    expect(request.modelId).toMatch(/^reb-[0-7]$/);
  });
});
