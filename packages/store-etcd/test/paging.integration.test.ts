import type { KvEntry } from "@modelmesh/core";
import { type EtcdServer, startEtcd, stopAllEtcd } from "@modelmesh/testkit/etcd";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { Etcd3 } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectEtcdStore } from "../src/index.js";
import { connectMesh, jsonCodec } from "./helpers.js";

let etcd: EtcdServer;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(stopAllEtcd);

describe("reading a table in pages", () => {
  it("reads every key once, in order, at one revision; and a watch starts from the same read", async () => {
    const { kv, mesh } = await connectMesh(etcd.hostPort, { rangePageSize: 3 });
    try {
      const registry = mesh.table("registry", jsonCodec);
      const ids = Array.from({ length: 10 }, (_, i) => `m${String(i).padStart(2, "0")}`);
      for (const id of ids) await registry.create(id, { id });
      const prefix = registry.prefix;

      const range = await kv.range(prefix);
      expect(range.entries.map((e) => e.key)).toEqual(ids.map((id) => registry.keyOf(id)));
      expect(range.revision).toBe(Math.max(...range.entries.map((e) => e.modRevision)));

      // A watch starts from the same paged read.
      let snapshot: readonly KvEntry[] = [];
      const watch = kv.watch(prefix, {
        snapshot: (entries) => {
          snapshot = [...entries];
        },
        events: () => undefined,
      });
      await waitUntil(() => snapshot.length > 0);
      watch.close();
      expect(snapshot).toEqual(range.entries);

      // A mirror loaded from pages holds the same records, an undecodable one skipped.
      await registry.update("m04", () => ({ delete: true }));
      await kv.putIfRevision({ key: registry.keyOf("m04"), value: "not json", expectedRevision: 0 });
      const mirror = registry.mirror();
      await mirror.ready;
      expect([...mirror].map(([id, record]) => `${id}=${record.value.id}`)).toEqual(
        ids.filter((id) => id !== "m04").map((id) => `${id}=${id}`),
      );
      mirror.close();
    } finally {
      await kv.close();
    }
  });

  it("reads pages with the auth token when etcd requires authentication", async () => {
    // Its own etcd: authentication stays enabled on it.
    const secured = await startEtcd();
    const admin = new Etcd3({ hosts: secured.hostPort });
    try {
      await admin.role("root").create();
      await admin.user("root").create("secret");
      await admin.user("root").addRole("root");
      await admin.auth.authEnable();
    } finally {
      admin.close();
    }
    const kv = await connectEtcdStore({
      connection: {
        endpoints: [secured.hostPort],
        rootPrefix: "",
        auth: { username: "root", password: "secret" },
      },
      rangePageSize: 2,
    });
    try {
      for (const id of ["a", "b", "c", "d", "e"])
        await kv.putIfRevision({ key: `/auth/t/${id}`, value: `{"id":"${id}"}`, expectedRevision: 0 });
      const range = await kv.range("/auth/t/");
      expect(range.entries.map((e) => `${e.key}=${e.value}`)).toEqual(
        ["a", "b", "c", "d", "e"].map((id) => `/auth/t/${id}={"id":"${id}"}`),
      );
    } finally {
      await kv.close();
    }
  });
});
