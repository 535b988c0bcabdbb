import { describe, expect, it } from "vitest";
import { MeshError } from "../errors.js";
import { createManualClock } from "../ports/clock.js";
import type { StoreCallOptions } from "./call-options.js";
import { type CasTarget, casUpdate } from "./cas-update.js";
import type { CasOutcome, Versioned } from "./versioned.js";

/** An in-memory table whose next write can be made to fail after (or before) applying. */
function fakeTable() {
  let record: Versioned<number> | undefined;
  let revision = 0;
  const failures: ("applied-then-unavailable" | "unavailable" | "broken")[] = [];
  let reads = 0;
  const table: CasTarget<number> = {
    keyOf: (id) => `/t/${id}`,
    async get() {
      reads++;
      return record;
    },
    async putIfRevision(put): Promise<CasOutcome<number>> {
      if ((record?.revision ?? 0) !== put.expectedRevision) return { ok: false, current: record };
      const failure = failures.shift();
      if (failure === "unavailable")
        throw new MeshError("STORE_UNAVAILABLE", "connection lost before sending");
      if (failure === "broken") throw new MeshError("FAILED_PRECONDITION", "permission denied");
      revision++;
      record = { value: put.value, revision, createRevision: record?.createRevision ?? revision };
      if (failure === "applied-then-unavailable")
        throw new MeshError("STORE_UNAVAILABLE", "deadline exceeded");
      return { ok: true, revision };
    },
    async deleteIfRevision(_id, expectedRevision): Promise<CasOutcome<number>> {
      if (record?.revision !== expectedRevision) return { ok: false, current: record };
      record = undefined;
      return { ok: true, revision: ++revision };
    },
  };
  return { table, failures, reads: () => reads, current: () => record };
}

describe("casUpdate()", () => {
  it("re-reads after a write with an unknown outcome instead of repeating it", async () => {
    const fake = fakeTable();
    fake.failures.push("applied-then-unavailable");
    // "Add instance X": idempotent when written against what is really stored.
    const result = await casUpdate(fake.table, {
      id: "m",
      decide: (current) => (current?.value === 1 ? undefined : { put: 1 }),
    });
    expect(result).toEqual({ outcome: "unchanged", current: { value: 1, revision: 1, createRevision: 1 } });
    expect(fake.reads()).toBe(2);
  });

  it("retries a write that failed before applying, after re-reading", async () => {
    const fake = fakeTable();
    fake.failures.push("unavailable");
    const result = await casUpdate(fake.table, {
      id: "m",
      decide: (current) => ({ put: (current?.value ?? 0) + 1 }),
    });
    expect(result).toEqual({ outcome: "written", value: 1, revision: 1 });
  });

  it("passes on errors that retrying cannot fix", async () => {
    const fake = fakeTable();
    fake.failures.push("broken");
    await expect(casUpdate(fake.table, { id: "m", decide: () => ({ put: 1 }) })).rejects.toMatchObject({
      code: "FAILED_PRECONDITION",
    });
  });

  it("stops when the signal aborts", async () => {
    const fake = fakeTable();
    const controller = new AbortController();
    controller.abort();
    await expect(
      casUpdate(
        fake.table,
        { id: "m", decide: () => ({ put: 1 }) },
        { start: { current: undefined }, signal: controller.signal },
      ),
    ).rejects.toMatchObject({ code: "CANCELLED" });
    expect(fake.current()).toBeUndefined();
  });

  it("with a clock, bounds the whole update by timeoutMs: each call gets the time left, then it gives up", async () => {
    const clock = createManualClock();
    const budgets: (number | undefined)[] = [];
    // A store whose reads answer in 100 ms but whose writes never answer within 400 ms.
    const call = async <T>(
      options: StoreCallOptions | undefined,
      ms: number,
      result: () => T,
    ): Promise<T> => {
      budgets.push(options?.timeoutMs);
      clock.advance(ms);
      return result();
    };
    const unavailable = () => {
      throw new MeshError("STORE_UNAVAILABLE", "deadline exceeded");
    };
    const table: CasTarget<number> = {
      keyOf: (id) => `/t/${id}`,
      get: (_id, options) => call(options, 100, () => undefined),
      putIfRevision: (_put, options) => call(options, 400, unavailable),
      deleteIfRevision: (_id, _revision, options) => call(options, 400, unavailable),
    };
    const update = casUpdate(
      table,
      { id: "m", decide: () => ({ put: 1 }) },
      { start: { current: undefined }, timeoutMs: 1000, clock },
    );
    await expect(update).rejects.toMatchObject({
      code: "STORE_UNAVAILABLE",
      message: expect.stringContaining("within 1000 ms"),
    });
    // Write, re-read, write, re-read: each with what was left of the 1000 ms; then no time is left.
    expect(budgets).toEqual([1000, 600, 500, 100]);
  });
});
