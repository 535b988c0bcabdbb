import { stringCodec } from "@modelmesh/core";
import { type EtcdServer, startEtcd, stopAllEtcd } from "@modelmesh/testkit/etcd";
import { Etcd3 } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectMesh, jsonCodec } from "./helpers.js";

let etcd: EtcdServer;
let raw: Etcd3;
beforeAll(async () => {
  etcd = await startEtcd();
  raw = new Etcd3({ hosts: etcd.hostPort });
});
afterAll(async () => {
  raw.close();
  await stopAllEtcd();
});

// A registration as KServe ModelMesh writes it (§1.3), including a field this port does not know.
const originalModelJson =
  '{"type":"tensorflow","mPath":"s3://models/mnist","encKey":"k1","instanceIds":{"a1b2c3d4e5f6":1700000000000},' +
  '"failedIn":{"ffeeddccbbaa":1700000100000},"fails":{"ffeeddccbbaa":{"msg":"OOM"}},"refs":1,"lu":1700000200000,' +
  '"actionable":true,"futureField":{"x":1}}';

describe("etcd key layout (§1.2, §3.3)", () => {
  it("writes /tas-runtime/<service>/<table>/<id> keys, under the root prefix, with the codec's JSON", async () => {
    const { kv, mesh, serviceName } = await connectMesh(etcd.hostPort, { rootPrefix: "ns" });
    try {
      const record = { type: "onnx", mPath: "file:///m", instanceIds: { i1: 1 }, refs: 0 };
      const outcome = await mesh.table("registry", jsonCodec).create("model-1", record);
      expect(outcome.ok).toBe(true);
      const rawKey = `ns/tas-runtime/${serviceName}/registry/model-1`;
      expect(await raw.get(rawKey).string()).toBe(JSON.stringify(record));
      expect(await raw.get(`/tas-runtime/${serviceName}/registry/model-1`).string()).toBeNull();
      await mesh.config().create("logger_level", "debug");
      expect(await raw.get(`ns/tas-runtime/${serviceName}/config/logger_level`).string()).toBe("debug");
      const session = await mesh.openSession({ ttlMs: 5000 });
      await mesh.joinElection({ session, candidateId: "_abcdef123456" }).ready;
      const latch = await raw.get(`ns/tas-runtime/${serviceName}/leaderLatch/_abcdef123456`).exec();
      expect(latch.kvs[0]?.value.toString()).toBe("_abcdef123456");
      expect(latch.kvs[0]?.lease).toBe(session.leaseId());
    } finally {
      await kv.close();
    }
  });

  it("reads records written in the original's JSON, through a table and a mirror, unknown fields kept", async () => {
    const { kv, mesh, serviceName } = await connectMesh(etcd.hostPort);
    try {
      await raw.put(`/tas-runtime/${serviceName}/registry/mnist__isvc-1`).value(originalModelJson);
      await raw.put(`/tas-runtime/${serviceName}/config/disable`).value("false");
      const registry = mesh.table("registry", jsonCodec);
      const mirror = registry.mirror();
      await mirror.ready;
      expect(mirror.get("mnist__isvc-1")?.value).toEqual(JSON.parse(originalModelJson));
      const read = await registry.get("mnist__isvc-1");
      expect(read?.value).toEqual(JSON.parse(originalModelJson));
      const written = await registry.update("mnist__isvc-1", (current) => ({
        put: { ...current?.value, refs: 2 },
      }));
      expect(written.outcome).toBe("written");
      const stored = JSON.parse(
        (await raw.get(`/tas-runtime/${serviceName}/registry/mnist__isvc-1`).string()) ?? "",
      );
      expect(stored).toEqual({ ...JSON.parse(originalModelJson), refs: 2 });
      expect((await mesh.table("config", stringCodec).get("disable"))?.value).toBe("false");
      mirror.close();
    } finally {
      await kv.close();
    }
  });
});
