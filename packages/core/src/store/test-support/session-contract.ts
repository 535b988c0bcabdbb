import { describe, expect, it } from "vitest";
import type { LeadershipChange } from "../leader-election.js";
import { stringCodec } from "../string-codec.js";
import type { KvStoreContractHarness } from "./harness.js";
import { counterCodec, eventually, useContractStore } from "./harness.js";

/** Session leases (keys that live as long as the session) and leader election on top of them. */
export function describeSessions(harness: KvStoreContractHarness): void {
  describe("sessions", () => {
    const ctx = useContractStore(harness);

    it("keeps a session key until the session closes", async () => {
      const { kv, mesh } = ctx();
      const instances = mesh.table("instances", counterCodec);
      const session = await mesh.openSession();
      expect(session.state()).toBe("alive");
      expect(session.leaseId()).not.toBe("");
      const created = await session.putIfRevision(instances, {
        id: "i-1",
        value: { n: 1 },
        expectedRevision: 0,
      });
      if (!created.ok) throw new Error("create failed");
      const conflict = await session.putIfRevision(instances, {
        id: "i-1",
        value: { n: 2 },
        expectedRevision: 0,
      });
      expect(conflict).toEqual({
        ok: false,
        current: { value: { n: 1 }, revision: created.revision, createRevision: created.revision },
      });
      const updated = await session.putIfRevision(instances, {
        id: "i-1",
        value: { n: 2 },
        expectedRevision: created.revision,
      });
      expect(updated.ok).toBe(true);
      await instances.create("not-bound", { n: 0 });
      await session.close();
      expect(session.state()).toBe("closed");
      await eventually(async () => (await kv.get(instances.keyOf("i-1"))) === undefined);
      expect(await instances.get("not-bound")).toMatchObject({ value: { n: 0 } });
      await session.close();
    });

    it("forgets a session key deleted through the session", async () => {
      const { mesh } = ctx();
      const instances = mesh.table("instances", counterCodec);
      const mirror = instances.mirror();
      await mirror.ready;
      const session = await mesh.openSession();
      const created = await session.putIfRevision(instances, {
        id: "x",
        value: { n: 1 },
        expectedRevision: 0,
      });
      if (!created.ok) throw new Error("create failed");
      expect(mirror.get("x")?.revision).toBe(created.revision);
      const deleted = await session.deleteIfRevision(instances, {
        id: "x",
        expectedRevision: created.revision,
      });
      expect(deleted.ok).toBe(true);
      expect(mirror.get("x")).toBeUndefined();
      await session.close();
      mirror.close();
    });
  });

  describe("leader election", () => {
    const ctx = useContractStore(harness);

    it("makes the candidate with the lowest create revision leader and moves on when it resigns", async () => {
      const { mesh, kv } = ctx();
      const [s1, s2] = [await mesh.openSession(), await mesh.openSession()];
      const first = mesh.joinElection({ session: s1, candidateId: "_instance-a" });
      await first.ready;
      const second = mesh.joinElection({ session: s2, candidateId: "_instance-b" });
      await second.ready;
      const changes: LeadershipChange[] = [];
      second.onChange((change) => changes.push(change));
      await eventually(() => first.isLeader() && second.leaderId() === "_instance-a");
      expect(second.isLeader()).toBe(false);
      const latch = mesh.table("leaderLatch", stringCodec);
      expect((await kv.get(latch.keyOf("_instance-a")))?.value).toBe("_instance-a");
      await first.resign();
      expect(first.isLeader()).toBe(false);
      await eventually(() => second.isLeader());
      expect(changes.at(-1)).toEqual({ leaderId: "_instance-b", isLeader: true });
      expect(await kv.get(latch.keyOf("_instance-a"))).toBeUndefined();
      await second.resign();
      await Promise.all([s1.close(), s2.close()]);
    });

    it("hands leadership on when the leader's session closes", async () => {
      const { mesh } = ctx();
      const [s1, s2] = [await mesh.openSession(), await mesh.openSession()];
      const first = mesh.joinElection({ session: s1, candidateId: "_one" });
      await first.ready;
      const second = mesh.joinElection({ session: s2, candidateId: "_two" });
      await second.ready;
      await eventually(() => first.isLeader());
      await s1.close();
      await eventually(() => second.isLeader() && second.leaderId() === "_two");
      await eventually(() => !first.isLeader() && first.leaderId() === "_two");
      await first.resign();
      await second.resign();
      await s2.close();
    });
  });
}
