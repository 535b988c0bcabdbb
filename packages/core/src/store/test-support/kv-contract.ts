import { describe, expect, it } from "vitest";
import { isMeshError } from "../../errors.js";
import type { KvStoreContractHarness } from "./harness.js";
import { rejectionOf, useContractStore } from "./harness.js";

/** The raw key-value operations: CAS puts and deletes, ranges, transactions, revisions, bad input. */
export function describeKvOperations(harness: KvStoreContractHarness): void {
  describe("key-value operations", () => {
    const ctx = useContractStore(harness);

    it("creates a key only when it is absent", async () => {
      const { kv, rawPrefix } = ctx();
      const key = `${rawPrefix}a`;
      expect(await kv.get(key)).toBeUndefined();
      const created = await kv.putIfRevision({ key, value: "one", expectedRevision: 0 });
      if (!created.ok) throw new Error("create failed");
      const entry = { key, value: "one", modRevision: created.revision, createRevision: created.revision };
      expect(await kv.get(key)).toEqual(entry);
      expect(await kv.putIfRevision({ key, value: "two", expectedRevision: 0 })).toEqual({
        ok: false,
        current: entry,
      });
      expect(await kv.get(key)).toEqual(entry);
    });

    it("updates a key only at its current revision, keeping its create revision", async () => {
      const { kv, rawPrefix } = ctx();
      const key = `${rawPrefix}b`;
      const first = await kv.putIfRevision({ key, value: "v1", expectedRevision: 0 });
      if (!first.ok) throw new Error("create failed");
      const second = await kv.putIfRevision({ key, value: "v2", expectedRevision: first.revision });
      if (!second.ok) throw new Error("update failed");
      expect(second.revision).toBeGreaterThan(first.revision);
      const stale = await kv.putIfRevision({ key, value: "v3", expectedRevision: first.revision });
      expect(stale).toEqual({
        ok: false,
        current: { key, value: "v2", modRevision: second.revision, createRevision: first.revision },
      });
    });

    it("deletes a key only at its current revision; a missing key is a conflict", async () => {
      const { kv, rawPrefix } = ctx();
      const key = `${rawPrefix}c`;
      const first = await kv.putIfRevision({ key, value: "x", expectedRevision: 0 });
      if (!first.ok) throw new Error("create failed");
      const second = await kv.putIfRevision({ key, value: "y", expectedRevision: first.revision });
      if (!second.ok) throw new Error("update failed");
      const stale = await kv.deleteIfRevision({ key, expectedRevision: first.revision });
      expect(stale.ok).toBe(false);
      const deleted = await kv.deleteIfRevision({ key, expectedRevision: second.revision });
      if (!deleted.ok) throw new Error("delete failed");
      expect(deleted.revision).toBeGreaterThan(second.revision);
      expect(await kv.get(key)).toBeUndefined();
      expect(await kv.deleteIfRevision({ key, expectedRevision: second.revision })).toEqual({
        ok: false,
        current: undefined,
      });
    });

    it("numbers writes with one global revision that always increases", async () => {
      const { kv, rawPrefix } = ctx();
      const revisions: number[] = [];
      let expectedA = 0;
      for (const key of ["a", "b", "a", "c", "a"]) {
        const expectedRevision = key === "a" ? expectedA : 0;
        const outcome = await kv.putIfRevision({ key: rawPrefix + key, value: key, expectedRevision });
        if (!outcome.ok) throw new Error(`write of ${key} failed`);
        if (key === "a") expectedA = outcome.revision;
        revisions.push(outcome.revision);
      }
      for (let i = 1; i < revisions.length; i++)
        expect(revisions[i]).toBeGreaterThan(revisions[i - 1] as number);
    });

    it("ranges over exactly the keys under a prefix, sorted, at one revision", async () => {
      const { kv, rawPrefix } = ctx();
      const keys = ["p/b", "p/a", "p/c/d", "pa", "q/a"];
      let lastRevision = 0;
      for (const key of keys) {
        const outcome = await kv.putIfRevision({ key: rawPrefix + key, value: key, expectedRevision: 0 });
        if (outcome.ok) lastRevision = outcome.revision;
      }
      const range = await kv.range(`${rawPrefix}p/`);
      expect(range.entries.map((e) => e.key)).toEqual(["p/a", "p/b", "p/c/d"].map((k) => rawPrefix + k));
      expect(range.entries.map((e) => e.value)).toEqual(["p/a", "p/b", "p/c/d"]);
      expect(range.revision).toBeGreaterThanOrEqual(lastRevision);
      expect((await kv.range(`${rawPrefix}none/`)).entries).toEqual([]);
    });

    it("applies every write of a transaction at one revision when all compares hold", async () => {
      const { kv, rawPrefix } = ctx();
      const [k1, k2, k3] = [`${rawPrefix}t1`, `${rawPrefix}t2`, `${rawPrefix}t3`];
      const existing = await kv.putIfRevision({ key: k2, value: "old", expectedRevision: 0 });
      if (!existing.ok) throw new Error("setup failed");
      const outcome = await kv.transaction({
        compares: [
          { key: k1, expectedRevision: 0 },
          { key: k2, expectedRevision: existing.revision },
        ],
        writes: [
          { type: "put", key: k1, value: "new" },
          { type: "delete", key: k2 },
          { type: "put", key: k3, value: "three" },
        ],
      });
      if (!outcome.ok) throw new Error("transaction failed");
      expect(outcome.revision).toBeGreaterThan(existing.revision);
      expect(await kv.get(k1)).toEqual({
        key: k1,
        value: "new",
        modRevision: outcome.revision,
        createRevision: outcome.revision,
      });
      expect(await kv.get(k2)).toBeUndefined();
      expect((await kv.get(k3))?.modRevision).toBe(outcome.revision);
    });

    it("writes nothing when a compare fails and returns every compared key as it is", async () => {
      const { kv, rawPrefix } = ctx();
      const [k1, k2, k3] = [`${rawPrefix}f1`, `${rawPrefix}f2`, `${rawPrefix}f3`];
      const a = await kv.putIfRevision({ key: k1, value: "a", expectedRevision: 0 });
      const b = await kv.putIfRevision({ key: k2, value: "b", expectedRevision: 0 });
      if (!a.ok || !b.ok) throw new Error("setup failed");
      const outcome = await kv.transaction({
        compares: [
          { key: k1, expectedRevision: 0 },
          { key: k2, expectedRevision: b.revision },
          { key: k3, expectedRevision: 0 },
        ],
        writes: [
          { type: "put", key: k2, value: "changed" },
          { type: "put", key: k3, value: "created" },
        ],
      });
      if (outcome.ok) throw new Error("transaction should have failed");
      expect(outcome.current.get(k1)).toEqual({
        key: k1,
        value: "a",
        modRevision: a.revision,
        createRevision: a.revision,
      });
      expect(outcome.current.get(k2)?.value).toBe("b");
      expect(outcome.current.has(k3)).toBe(true);
      expect(outcome.current.get(k3)).toBeUndefined();
      expect((await kv.get(k2))?.value).toBe("b");
      expect(await kv.get(k3)).toBeUndefined();
    });

    it("refuses malformed requests with INVALID_ARGUMENT", async () => {
      const { kv, rawPrefix } = ctx();
      const key = `${rawPrefix}bad`;
      const calls: (() => unknown)[] = [
        () => kv.putIfRevision({ key, value: "v", expectedRevision: -1 }),
        () => kv.putIfRevision({ key, value: "v", expectedRevision: 1.5 }),
        () => kv.putIfRevision({ key: "", value: "v", expectedRevision: 0 }),
        () => kv.deleteIfRevision({ key, expectedRevision: 0 }),
        () =>
          kv.transaction({
            compares: [],
            writes: [
              { type: "put", key, value: "1" },
              { type: "delete", key },
            ],
          }),
      ];
      for (const call of calls) {
        const error = await rejectionOf(call);
        expect(isMeshError(error) && error.code).toBe("INVALID_ARGUMENT");
      }
    });

    it("rejects a cancelled call with CANCELLED", async () => {
      const { kv, rawPrefix } = ctx();
      const controller = new AbortController();
      controller.abort(new Error("caller gave up"));
      for (const call of [
        () => kv.get(`${rawPrefix}x`, { signal: controller.signal }),
        () =>
          kv.putIfRevision(
            { key: `${rawPrefix}x`, value: "v", expectedRevision: 0 },
            { signal: controller.signal },
          ),
      ]) {
        const error = await rejectionOf(call);
        expect(isMeshError(error) && error.code).toBe("CANCELLED");
      }
    });

    it("keeps unicode keys and values and large values intact", async () => {
      const { kv, rawPrefix } = ctx();
      const key = `${rawPrefix}modèle-\u{1F680}/ü`;
      const value = `{"text":"žluťoučký kůň \u{1F40E}","pad":"${"x".repeat(200 * 1024)}"}`;
      const outcome = await kv.putIfRevision({ key, value, expectedRevision: 0 });
      expect(outcome.ok).toBe(true);
      expect((await kv.get(key))?.value).toBe(value);
      expect((await kv.range(rawPrefix)).entries.map((e) => e.key)).toEqual([key]);
    });
  });
}
