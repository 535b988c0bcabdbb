import { fileURLToPath } from "node:url";
import type { KvSessionRecreated, MeshError } from "@modelmesh/core";
import { type EtcdServer, startEtcd, stopAllEtcd } from "@modelmesh/testkit/etcd";
import { startTsProcess, stopAllProcesses } from "@modelmesh/testkit/processes";
import { startTcpProxy, type TcpProxy } from "@modelmesh/testkit/tcp-proxy";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { Etcd3 } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectMesh, jsonCodec } from "./helpers.js";

let etcd: EtcdServer;
let proxy: TcpProxy;
let raw: Etcd3;
beforeAll(async () => {
  etcd = await startEtcd(); // fast raft timing: 2 s leases are honoured
  proxy = await startTcpProxy({ targetPort: etcd.clientPort });
  raw = new Etcd3({ hosts: etcd.hostPort });
});
afterAll(async () => {
  raw.close();
  await proxy.close();
  await stopAllProcesses();
  await stopAllEtcd();
});

describe("session leases across a partition (§1.6 leases, §9.9)", () => {
  it("loses the lease while cut off (keys gone, leadership dropped), then re-creates it and its keys", async () => {
    const instance = await connectMesh(proxy.hostPort, { requestTimeoutMs: 1_000 });
    const observer = await connectMesh(etcd.hostPort, { serviceName: instance.serviceName });
    try {
      const instances = instance.mesh.table("instances", jsonCodec);
      const session = await instance.mesh.openSession({ ttlMs: 2_000 });
      const lost: MeshError[] = [];
      const recreated: KvSessionRecreated[] = [];
      session.onLost((error) => lost.push(error));
      session.onRecreated((info) => recreated.push(info));
      const created = await session.putIfRevision(instances, {
        id: "i-1",
        value: { cap: 10 },
        expectedRevision: 0,
      });
      expect(created.ok).toBe(true);
      const election = instance.mesh.joinElection({ session, candidateId: "_i-1" });
      await election.ready;
      await waitUntil(() => election.isLeader());
      const key = instances.keyOf("i-1");
      const firstLease = session.leaseId();
      expect((await raw.get(key).exec()).kvs[0]?.lease).toBe(firstLease);

      proxy.cut();
      await waitUntil(() => lost.length === 1, { timeoutMs: 5_000 });
      expect(session.state()).toBe("lost");
      expect(election.isLeader()).toBe(false);
      expect(lost[0]?.code).toBe("STORE_UNAVAILABLE");
      await expect(
        session.putIfRevision(instances, { id: "i-2", value: {}, expectedRevision: 0 }),
      ).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
      // etcd expired the lease: the instance record is gone for everyone else.
      await waitUntil(async () => (await raw.get(key).string()) === null, { timeoutMs: 5_000 });
      const latch = observer.mesh.table("leaderLatch", jsonCodec).keyOf("_i-1");
      expect(await raw.get(latch).string()).toBeNull();

      proxy.pass();
      await waitUntil(() => recreated.length === 1, { timeoutMs: 10_000 });
      expect(session.state()).toBe("alive");
      expect(session.leaseId()).not.toBe(firstLease);
      expect([...(recreated[0]?.restoredKeys ?? [])].sort()).toEqual([key, latch].sort());
      const restored = (await raw.get(key).exec()).kvs[0];
      expect(restored?.lease).toBe(session.leaseId());
      expect(JSON.parse(restored?.value.toString() ?? "")).toEqual({ cap: 10 });
      await waitUntil(() => election.isLeader(), { timeoutMs: 5_000 });

      await session.close();
      await waitUntil(async () => (await raw.get(key).string()) === null);
    } finally {
      proxy.pass();
      await Promise.all([instance.kv.close(), observer.kv.close()]);
    }
  });

  it("deletes a process's session keys about one TTL after it is killed", async () => {
    const key = `/session-holder/${Date.now()}`;
    const child = startTsProcess({
      name: "session-holder",
      entry: fileURLToPath(new URL("./fixtures/session-holder.ts", import.meta.url)),
      args: [etcd.hostPort, key],
    });
    await waitUntil(() => child.output().includes("READY"), { timeoutMs: 15_000 });
    expect(await raw.get(key).string()).toBe("alive");
    await child.kill();
    const killedAt = Date.now();
    await waitUntil(async () => (await raw.get(key).string()) === null, { timeoutMs: 5_000 });
    expect(Date.now() - killedAt).toBeLessThan(3_000);
  });
});
