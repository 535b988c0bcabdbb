import { hasMeshErrorCode } from "@modelmesh/core";
import { stopAllEtcd } from "@modelmesh/testkit/etcd";
import { type EtcdCluster, startEtcdCluster } from "@modelmesh/testkit/etcd-cluster";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectMesh, jsonCodec } from "./helpers.js";

let cluster: EtcdCluster;
beforeAll(async () => {
  cluster = await startEtcdCluster({ size: 3 });
});
afterAll(stopAllEtcd);

describe("a 3-member etcd cluster losing its leader", () => {
  it("accepts writes again within 2 s, with nothing acknowledged lost", async () => {
    const { kv, mesh } = await connectMesh(cluster.hostPorts, { requestTimeoutMs: 500 });
    const counter = mesh.table("registry", jsonCodec);
    const successes: number[] = [];
    let acknowledged = 0;
    let running = true;
    const writer = (async () => {
      while (running) {
        try {
          await counter.update("c", (current) => ({ put: { n: Number(current?.value.n ?? 0) + 1 } }), {
            timeoutMs: 500,
            maxAttempts: 3,
          });
          acknowledged++;
          successes.push(Date.now());
        } catch (error) {
          if (!hasMeshErrorCode(error, "STORE_UNAVAILABLE", "STORE_CONFLICT")) throw error;
        }
      }
    })();
    try {
      await waitUntil(() => successes.length >= 20);
      const leader = await cluster.leader();
      await leader.kill();
      const killedAt = Date.now();
      await waitUntil(() => successes.some((t) => t > killedAt), { timeoutMs: 5_000 });
      const resumedAfterMs = (successes.find((t) => t > killedAt) as number) - killedAt;
      expect(resumedAfterMs).toBeLessThan(2_000);
      const countAfter = successes.length;
      await waitUntil(() => successes.length >= countAfter + 20);
      running = false;
      await writer;
      // Every acknowledged increment is there; an increment whose outcome was unknown may be too.
      expect(Number((await counter.get("c"))?.value.n)).toBeGreaterThanOrEqual(acknowledged);
    } finally {
      running = false;
      await writer.catch(() => undefined);
      await kv.close();
    }
  });
});
