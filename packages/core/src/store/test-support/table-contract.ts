import { describe, expect, it } from "vitest";
import { isMeshError } from "../../errors.js";
import { txnOp } from "../transaction.js";
import type { Counter, KvStoreContractHarness } from "./harness.js";
import { counterCodec, rejectionOf, useContractStore } from "./harness.js";

/** Typed tables over the §1.2 key layout, compare-and-set loops and multi-table transactions. */
export function describeTables(harness: KvStoreContractHarness): void {
  describe("typed tables", () => {
    const ctx = useContractStore(harness);

    it("stores records at /<prefix>/<service>/<table>/<id> in the codec's text", async () => {
      const { kv, mesh, layout } = ctx();
      const registry = mesh.table("registry", counterCodec);
      const outcome = await registry.create("model-1", { n: 1, tag: "a" });
      if (!outcome.ok) throw new Error("create failed");
      const key = `/${layout.kvStorePrefix}/${layout.serviceName}/registry/model-1`;
      expect(registry.keyOf("model-1")).toBe(key);
      expect(await kv.get(key)).toEqual({
        key,
        value: '{"n":1,"tag":"a"}',
        modRevision: outcome.revision,
        createRevision: outcome.revision,
      });
      expect(await registry.get("model-1")).toEqual({
        value: { n: 1, tag: "a" },
        revision: outcome.revision,
        createRevision: outcome.revision,
      });
      expect(mesh.config().keyOf("logger_level")).toBe(
        `/${layout.kvStorePrefix}/${layout.serviceName}/config/logger_level`,
      );
    });

    it("returns the decoded current record on a conflict", async () => {
      const { mesh } = ctx();
      const vmodels = mesh.table("vmodels", counterCodec);
      const created = await vmodels.create("v", { n: 1 });
      if (!created.ok) throw new Error("create failed");
      const updated = await vmodels.putIfRevision({
        id: "v",
        value: { n: 2 },
        expectedRevision: created.revision,
      });
      if (!updated.ok) throw new Error("update failed");
      expect(
        await vmodels.putIfRevision({ id: "v", value: { n: 3 }, expectedRevision: created.revision }),
      ).toEqual({
        ok: false,
        current: { value: { n: 2 }, revision: updated.revision, createRevision: created.revision },
      });
      expect(await vmodels.deleteIfRevision("v", created.revision)).toMatchObject({ ok: false });
      expect(await vmodels.deleteIfRevision("v", updated.revision)).toMatchObject({ ok: true });
    });

    it("rejects reading an undecodable record with INVALID_DATA naming its key, and lists around it", async () => {
      const { kv, mesh } = ctx();
      const registry = mesh.table("registry", counterCodec);
      await kv.putIfRevision({ key: registry.keyOf("broken"), value: "{not json", expectedRevision: 0 });
      await registry.create("fine", { n: 7 });
      const error = await rejectionOf(() => registry.get("broken"));
      expect(isMeshError(error) && error.code).toBe("INVALID_DATA");
      expect(isMeshError(error) && error.details.key).toBe(registry.keyOf("broken"));
      const listed = await registry.list();
      expect([...listed.records.keys()]).toEqual(["fine"]);
      expect(listed.invalidKeys).toEqual([registry.keyOf("broken")]);
    });

    it("update() re-applies the decision to the fresh record until it wins: no lost update", async () => {
      const { mesh } = ctx();
      const registry = mesh.table("registry", counterCodec);
      const increment = (current: { value: Counter } | undefined) => ({
        put: { n: (current?.value.n ?? 0) + 1 },
      });
      await Promise.all(
        Array.from({ length: 12 }, () => registry.update("counter", increment, { maxAttempts: 50 })),
      );
      expect((await registry.get("counter"))?.value).toEqual({ n: 12 });
    });

    it("update() can leave a record unchanged or delete it", async () => {
      const { mesh } = ctx();
      const registry = mesh.table("registry", counterCodec);
      expect(await registry.update("m", () => undefined)).toEqual({
        outcome: "unchanged",
        current: undefined,
      });
      expect(await registry.update("m", () => ({ delete: true }))).toEqual({
        outcome: "unchanged",
        current: undefined,
      });
      const written = await registry.update("m", () => ({ put: { n: 1 } }));
      expect(written).toMatchObject({ outcome: "written", value: { n: 1 } });
      const deleted = await registry.update("m", () => ({ delete: true }));
      expect(deleted).toMatchObject({ outcome: "deleted", previous: { value: { n: 1 } } });
      expect(await registry.get("m")).toBeUndefined();
    });

    it("gives up with STORE_CONFLICT after maxAttempts conflicts", async () => {
      const { mesh } = ctx();
      const registry = mesh.table("registry", counterCodec);
      await registry.create("hot", { n: 0 });
      let calls = 0;
      const error = await rejectionOf(() =>
        registry.update("hot", () => ({ put: { n: ++calls } }), {
          start: { current: undefined },
          maxAttempts: 1,
        }),
      );
      expect(isMeshError(error) && error.code).toBe("STORE_CONFLICT");
    });

    it("runs transactions across tables atomically and reports every op's current record", async () => {
      const { mesh } = ctx();
      const vmodels = mesh.table("vmodels", counterCodec);
      const registry = mesh.table("registry", counterCodec);
      const target = await registry.create("target", { n: 0 });
      if (!target.ok) throw new Error("setup failed");
      const setVModel = txnOp(vmodels, { id: "vm", expectedRevision: 0, put: { n: 1 } });
      const addRef = txnOp(registry, { id: "target", expectedRevision: target.revision, put: { n: 1 } });
      const first = await mesh.transaction([setVModel, addRef]);
      if (!first.ok) throw new Error("transaction failed");
      expect(await vmodels.get("vm")).toEqual({
        value: { n: 1 },
        revision: first.revision,
        createRevision: first.revision,
      });
      expect((await registry.get("target"))?.revision).toBe(first.revision);
      const again = await mesh.transaction([setVModel, addRef]);
      if (again.ok) throw new Error("a stale transaction succeeded");
      expect(again.current(setVModel)).toEqual({
        value: { n: 1 },
        revision: first.revision,
        createRevision: first.revision,
      });
      expect(again.current(addRef)?.value).toEqual({ n: 1 });
    });
  });
}
