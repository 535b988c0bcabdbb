import { type EtcdServer, startEtcd } from "@modelmesh/testkit/etcd";
import { startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MiB, Status, sizedModel } from "../support.js";

afterAll(stopAllProcesses);

// A rolling update as the instance table shows it: pods of a new ReplicaSet ("newrsb-…") start
// after those of the old one ("oldrsa-…"). New copies then go to the new pods, even when loaded
// through an old one that has as much room.
describe("upgrade tracker (rolling update)", () => {
  let etcd: EtcdServer;
  let old: TestMesh;
  let fresh: TestMesh;
  beforeAll(async () => {
    etcd = await startEtcd();
    const store = { kind: "etcd", endpoint: etcd.endpoint } as const;
    old = await startMesh({ name: "old-pod", store, env: { MM_INSTANCE_ID: "oldrsa-x1y2z" } });
    fresh = await startMesh({ name: "new-pod", store, env: { MM_INSTANCE_ID: "newrsb-p3q4r" } });
  }, 180_000);
  afterAll(async () => {
    await Promise.all([old?.stop(), fresh?.stop()]);
    await etcd?.destroy();
  });

  it("marks the old ReplicaSet and places new copies on the new pod", async () => {
    await waitUntil(
      () =>
        old
          .logs()
          .some(
            (l) =>
              l.msg === "ReplicaSets likely being replaced by a rolling update (new copies avoid them)" &&
              JSON.stringify(l.replicaSets) === '["oldrsa"]',
          ),
      { timeoutMs: 30_000, description: "the old pod to mark its own ReplicaSet" },
    );
    const locations: string[] = [];
    for (let i = 0; i < 4; i++) {
      const status = await old.management.registerModel({
        modelId: `upgrade-m${i}`,
        modelInfo: { type: "DUMMY", path: sizedModel(MiB, 0, 0) },
        loadNow: true,
        sync: true,
      });
      expect(Status[status.status]).toBe("LOADED");
      locations.push(...status.modelCopyInfos.map((c) => c.location));
    }
    expect(locations).toEqual(Array(4).fill("newrsb-p3q4r"));
  });
});
