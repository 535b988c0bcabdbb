import { describe, expect, it } from "vitest";
import type { MirrorEvent } from "../mirror-event.js";
import type { KvTable } from "../table.js";
import type { TableMirror } from "../table-mirror.js";
import { txnOp } from "../transaction.js";
import type { Counter, KvStoreContractHarness } from "./harness.js";
import { counterCodec, eventually, useContractStore } from "./harness.js";

/** Collects a mirror's events. */
function record<T>(mirror: TableMirror<T>): MirrorEvent<T>[] {
  const events: MirrorEvent<T>[] = [];
  mirror.subscribe((event) => events.push(event));
  return events;
}

/**
 * Writes a marker record behind the store's back and waits until the mirror shows it: the watch
 * delivers in revision order, so everything written before has then reached the mirror too.
 */
async function settle(
  table: KvTable<Counter>,
  mirror: TableMirror<Counter>,
  kvPut: (key: string) => Promise<unknown>,
) {
  const id = `~marker-${Math.floor(performance.now() * 1000)}`;
  await kvPut(table.keyOf(id));
  await eventually(() => mirror.get(id) !== undefined);
}

/** Table mirrors: snapshot, ordered events exactly once, own writes at once, bad data skipped. */
export function describeMirrors(harness: KvStoreContractHarness): void {
  describe("table mirrors", () => {
    const ctx = useContractStore(harness);
    const rawPut = (key: string, value = '{"n":0}') =>
      ctx().kv.putIfRevision({ key, value, expectedRevision: 0 });

    it("loads the table, then reports each change from other writers once and in order", async () => {
      const { kv, mesh } = ctx();
      const registry = mesh.table("registry", counterCodec);
      const a = await registry.create("a", { n: 1 });
      await registry.create("b", { n: 2 });
      const mirror = registry.mirror();
      await mirror.ready;
      expect(mirror.status()).toBe("live");
      expect(mirror.size).toBe(2);
      expect(mirror.get("a")).toEqual({
        value: { n: 1 },
        revision: a.ok && a.revision,
        createRevision: a.ok && a.revision,
      });
      const events = record(mirror);
      // Raw writes: this process's mesh store does not know them, only the watch reports them.
      const c = await kv.putIfRevision({ key: registry.keyOf("c"), value: '{"n":3}', expectedRevision: 0 });
      const a2 = await kv.putIfRevision({
        key: registry.keyOf("a"),
        value: '{"n":10}',
        expectedRevision: a.ok ? a.revision : -1,
      });
      const bEntry = await kv.get(registry.keyOf("b"));
      const bDeleted = await kv.deleteIfRevision({
        key: registry.keyOf("b"),
        expectedRevision: bEntry?.modRevision ?? -1,
      });
      if (!c.ok || !a2.ok || !bDeleted.ok || !a.ok) throw new Error("setup failed");
      await eventually(() => expect(events).toHaveLength(3));
      expect(events).toEqual([
        {
          type: "added",
          id: "c",
          next: { value: { n: 3 }, revision: c.revision, createRevision: c.revision },
        },
        {
          type: "updated",
          id: "a",
          previous: { value: { n: 1 }, revision: a.revision, createRevision: a.revision },
          next: { value: { n: 10 }, revision: a2.revision, createRevision: a.revision },
        },
        {
          type: "deleted",
          id: "b",
          previous: {
            value: { n: 2 },
            revision: bEntry?.modRevision,
            createRevision: bEntry?.createRevision,
          },
        },
      ]);
      expect(mirror.revision).toBeGreaterThanOrEqual(bDeleted.revision);
      expect(new Map(mirror.entries())).toEqual(new Map([...mirror]));
      expect([...mirror].map(([id]) => id).sort()).toEqual(["a", "c"]);
      mirror.close();
    });

    it("shows this process's writes at once and reports each of them once", async () => {
      const { mesh } = ctx();
      const registry = mesh.table("registry", counterCodec);
      const mirror = registry.mirror();
      await mirror.ready;
      const events = record(mirror);
      const created = await registry.create("m", { n: 1 });
      if (!created.ok) throw new Error("create failed");
      expect(mirror.get("m")).toEqual({
        value: { n: 1 },
        revision: created.revision,
        createRevision: created.revision,
      });
      const updated = await registry.putIfRevision({
        id: "m",
        value: { n: 2 },
        expectedRevision: created.revision,
      });
      if (!updated.ok) throw new Error("update failed");
      expect(mirror.get("m")?.revision).toBe(updated.revision);
      const deleted = await registry.deleteIfRevision("m", updated.revision);
      expect(deleted.ok).toBe(true);
      expect(mirror.get("m")).toBeUndefined();
      await settle(registry, mirror, (key) => rawPut(key));
      expect(events.filter((e) => e.id === "m").map((e) => e.type)).toEqual(["added", "updated", "deleted"]);
      mirror.close();
    });

    it("shows a transaction's writes at once, across tables", async () => {
      const { mesh } = ctx();
      const vmodels = mesh.table("vmodels", counterCodec);
      const registry = mesh.table("registry", counterCodec);
      const [vm, reg] = [vmodels.mirror(), registry.mirror()];
      await Promise.all([vm.ready, reg.ready]);
      const outcome = await mesh.transaction([
        txnOp(vmodels, { id: "v", expectedRevision: 0, put: { n: 1 } }),
        txnOp(registry, { id: "r", expectedRevision: 0, put: { n: 2 } }),
      ]);
      if (!outcome.ok) throw new Error("transaction failed");
      expect(vm.get("v")?.revision).toBe(outcome.revision);
      expect(reg.get("r")?.value).toEqual({ n: 2 });
      vm.close();
      reg.close();
    });

    it("logs an undecodable record with its key, treats it as absent and keeps working", async () => {
      const { mesh, logger } = ctx();
      const registry = mesh.table("registry", counterCodec);
      await rawPut(registry.keyOf("bad-at-start"), "not json at all");
      await registry.create("good", { n: 1 });
      const mirror = registry.mirror();
      await mirror.ready;
      expect(mirror.size).toBe(1);
      expect(mirror.get("bad-at-start")).toBeUndefined();
      const events = record(mirror);
      await rawPut(registry.keyOf("bad-later"), "{");
      await registry.create("after", { n: 2 });
      await settle(registry, mirror, (key) => rawPut(key));
      expect(mirror.get("after")?.value).toEqual({ n: 2 });
      expect(mirror.get("bad-later")).toBeUndefined();
      const reported = logger.lines.filter((line) => line.level === "warn").map((line) => line.fields.key);
      expect(reported).toEqual(
        expect.arrayContaining([registry.keyOf("bad-at-start"), registry.keyOf("bad-later")]),
      );
      // A record that turns bad is reported deleted; once fixed it is added again.
      const good = mirror.get("good");
      const spoiled = await ctx().kv.putIfRevision({
        key: registry.keyOf("good"),
        value: "[]",
        expectedRevision: good?.revision ?? -1,
      });
      if (!spoiled.ok) throw new Error("setup failed");
      await eventually(() => mirror.get("good") === undefined);
      await ctx().kv.putIfRevision({
        key: registry.keyOf("good"),
        value: '{"n":5}',
        expectedRevision: spoiled.revision,
      });
      await eventually(() => mirror.get("good")?.value.n === 5);
      expect(events.filter((e) => e.id === "good").map((e) => e.type)).toEqual(["deleted", "added"]);
      expect(events.some((e) => e.id.startsWith("bad"))).toBe(false);
      expect(mirror.status()).toBe("live");
      mirror.close();
    });

    it("under concurrent writers ends equal to a fresh read, having reported every write once", async () => {
      const { mesh } = ctx();
      const registry = mesh.table("registry", counterCodec);
      const mirror = registry.mirror();
      await mirror.ready;
      const events = record(mirror);
      const increment = (current: { value: Counter } | undefined) => ({
        put: { n: (current?.value.n ?? 0) + 1 },
      });
      const writer = async (id: string) => {
        for (let i = 0; i < 5; i++) await registry.update(id, increment, { maxAttempts: 100 });
      };
      const ids = Array.from({ length: 16 }, (_, i) => `k${i}`);
      // Two writers per key: 10 successful writes each, many of them after a conflict.
      await Promise.all([...ids, ...ids].map(writer));
      await Promise.all(ids.slice(0, 4).map((id) => registry.update(id, () => ({ delete: true }))));
      await settle(registry, mirror, (key) => rawPut(key));
      const withoutMarkers = <V>(entries: Iterable<[string, V]>) =>
        new Map([...entries].filter(([id]) => !id.startsWith("~")));
      expect(withoutMarkers(mirror)).toEqual(withoutMarkers((await registry.list()).records));
      for (const [index, id] of ids.entries()) {
        const seen = events.filter((e) => e.id === id);
        expect(seen.map((e) => e.type)).toEqual([
          "added",
          ...Array.from({ length: 9 }, () => "updated"),
          ...(index < 4 ? ["deleted"] : []),
        ]);
        const values = seen.flatMap((e) => (e.type === "deleted" ? [] : [e.next.value.n]));
        expect(values).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
      }
      mirror.close();
    });

    it("stops reporting once closed", async () => {
      const { mesh } = ctx();
      const registry = mesh.table("registry", counterCodec);
      const mirror = registry.mirror();
      await mirror.ready;
      const events = record(mirror);
      mirror.close();
      expect(mirror.status()).toBe("closed");
      await registry.create("late", { n: 1 });
      const other = registry.mirror();
      await other.ready;
      await eventually(() => other.get("late") !== undefined);
      expect(events).toEqual([]);
      other.close();
    });

    it("rejects ready with CANCELLED when closed before loading", async () => {
      const { mesh } = ctx();
      const mirror = mesh.table("registry", counterCodec).mirror();
      mirror.close();
      await expect(mirror.ready).rejects.toMatchObject({ code: "CANCELLED" });
    });
  });
}
