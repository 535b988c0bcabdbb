import { describe, expect, it } from "vitest";
import {
  addCopy,
  addLoadFailure,
  createModelRecord,
  decRefCount,
  incRefCount,
  removeCopy,
  removeLoadFailure,
  updateLastUsed,
} from "./model-record.js";
import type { ModelRecord } from "./types.js";

const NOW = 1_700_000_000_000;
const base = createModelRecord({ type: "t", path: "p" });

function withCopies(...ids: string[]): ModelRecord {
  return ids.reduce((record, id, i) => addCopy(record, id, NOW - 1000 * (i + 1)), base);
}

describe("updateLastUsed()", () => {
  const cases: ReadonlyArray<[string, number, number, number]> = [
    ["0 means now", 500, 0, NOW],
    ["moves forward", 500, 900, 900],
    ["never moves backwards", 900, 500, 900],
  ];
  it.each(cases)("%s", (_name, current, argument, expected) => {
    const record = { ...base, lastUsedMs: current };
    expect(updateLastUsed(record, argument, NOW).lastUsedMs).toBe(expected);
  });

  it("returns the same record when nothing changes", () => {
    const record = { ...base, lastUsedMs: 900 };
    expect(updateLastUsed(record, 100, NOW)).toBe(record);
  });
});

describe("addLoadFailure() / removeLoadFailure()", () => {
  it("moves the instance from instanceIds to failedIn with its message", () => {
    const failed = addLoadFailure(withCopies("a", "b"), {
      instanceId: "a",
      failedAtMs: NOW,
      message: "boom",
    });
    expect(failed.instanceIds).toEqual({ b: NOW - 2000 });
    expect(failed.failedIn).toEqual({ a: NOW });
    expect(failed.failureMessages).toEqual({ a: "boom" });
  });

  it("an empty message removes an older message", () => {
    const once = addLoadFailure(base, { instanceId: "a", failedAtMs: 1, message: "old" });
    const twice = addLoadFailure(once, { instanceId: "a", failedAtMs: 2 });
    expect(twice.failedIn).toEqual({ a: 2 });
    expect(twice.failureMessages).toEqual({});
  });

  it("removes only the failure recorded at the given time, when given", () => {
    const failed = addLoadFailure(base, { instanceId: "a", failedAtMs: 5, message: "m" });
    expect(removeLoadFailure(failed, "a", 4)).toBe(failed);
    expect(removeLoadFailure(failed, "a", 5)).toMatchObject({ failedIn: {}, failureMessages: {} });
    expect(removeLoadFailure(failed, "a")).toMatchObject({ failedIn: {}, failureMessages: {} });
    expect(removeLoadFailure(base, "a")).toBe(base);
  });
});

describe("addCopy() / removeCopy()", () => {
  it("registering a copy drops that instance's failure", () => {
    const failed = addLoadFailure(base, { instanceId: "a", failedAtMs: 5, message: "m" });
    const loaded = addCopy(failed, "a", NOW);
    expect(loaded.instanceIds).toEqual({ a: NOW });
    expect(loaded.failedIn).toEqual({});
    expect(loaded.failureMessages).toEqual({});
  });

  const lulCases: ReadonlyArray<[string, string[], number]> = [
    ["4 → 3 copies sets lul to now", ["a", "b", "c", "d"], NOW],
    ["3 → 2 copies resets lul", ["a", "b", "c"], 0],
    ["1 → 0 copies resets lul", ["a"], 0],
  ];
  it.each(lulCases)("%s", (_name, ids, expectedLul) => {
    const record = { ...withCopies(...ids), lastUnloadMs: 42 };
    const next = removeCopy(record, { instanceId: "a", nowMs: NOW });
    expect(next.instanceIds).not.toHaveProperty("a");
    expect(next.lastUnloadMs).toBe(expectedLul);
  });

  it("leaves a newer registration on the same instance alone", () => {
    const record = withCopies("a");
    expect(removeCopy(record, { instanceId: "a", nowMs: NOW, loadStartMs: 1 })).toBe(record);
    expect(removeCopy(record, { instanceId: "zz", nowMs: NOW })).toBe(record);
  });
});

describe("incRefCount() / decRefCount()", () => {
  it("counts references and never goes below 0", () => {
    expect(incRefCount(base).refs).toBe(1);
    expect(decRefCount(incRefCount(base)).refs).toBe(0);
    expect(decRefCount(base)).toBe(base);
  });
});
