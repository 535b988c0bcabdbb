import { describe, expect, it } from "vitest";
import { createInstanceTable } from "./instance-table.js";
import { createOrderedView } from "./ordered-view.js";
import { instanceRecord } from "./test-support/records.js";

const NOW = 1_700_000_000_000;

describe("createInstanceTable()", () => {
  const records = new Map([
    ["self", instanceRecord({ usedUnits: 9000, count: 9 })],
    ["b", instanceRecord({ usedUnits: 2000, count: 2 })],
    ["a", instanceRecord({ usedUnits: 1000, count: 1 })],
    ["gone", instanceRecord({ shutdown: true })],
  ]);
  const table = createInstanceTable({ records, selfId: "self", minSpaceUnits: 500, minChurnAgeMs: 60_000 });

  it("orders the other live instances, leaving out itself and shutting-down ones", () => {
    expect(table.othersInOrder(NOW).map((e) => e.id)).toEqual(["a", "b"]);
    expect(table.has("gone")).toBe(false);
    expect(table.has("a")).toBe(true);
    expect(table.has("unknown")).toBe(false);
  });

  it("sorts once and reuses the order while nothing time-dependent changes", () => {
    expect(table.othersInOrder(NOW)).toBe(table.othersInOrder(NOW + 3_600_000));
  });

  it("re-sorts when a full newer instance's LRU entry ages past 2 × churn age (§15.4 item 2)", () => {
    const mixed = createInstanceTable({
      records: new Map([
        ["old", instanceRecord({ usedUnits: 1000, count: 1, lruTimeMs: NOW - 1000 })],
        ["new", instanceRecord({ version: 2, usedUnits: 9800, count: 9, lruTimeMs: NOW - 60_000 })],
      ]),
      selfId: "self",
      minSpaceUnits: 500,
      minChurnAgeMs: 60_000,
    });
    expect(mixed.othersInOrder(NOW).map((e) => e.id)).toEqual(["old", "new"]);
    expect(mixed.othersInOrder(NOW + 60_000).map((e) => e.id)).toEqual(["old", "new"]);
    expect(mixed.othersInOrder(NOW + 60_001).map((e) => e.id)).toEqual(["new", "old"]);
    // Time passed to an earlier moment gives that moment's order again.
    expect(mixed.othersInOrder(NOW).map((e) => e.id)).toEqual(["old", "new"]);
  });
});

describe("createOrderedView()", () => {
  const records = new Map([
    ["self", instanceRecord({ usedUnits: 9000, count: 9 })],
    ["a", instanceRecord({ usedUnits: 1000, count: 1 })],
    ["b", instanceRecord({ usedUnits: 2000, count: 2 })],
  ]);
  const table = createInstanceTable({ records, selfId: "self", minSpaceUnits: 500, minChurnAgeMs: 60_000 });
  const ids = (view: ReturnType<typeof createOrderedView>) =>
    Array.from({ length: view.length }, (_, i) => view.at(i).id);

  it("places this instance by its fresh record, not the published one", () => {
    expect(ids(createOrderedView(table, undefined, NOW))).toEqual(["a", "b", "self"]);
    expect(ids(createOrderedView(table, instanceRecord(), NOW))).toEqual(["self", "a", "b"]);
    expect(ids(createOrderedView(table, instanceRecord({ usedUnits: 1500, count: 1 }), NOW))).toEqual([
      "a",
      "self",
      "b",
    ]);
  });

  it("leaves this instance out when it is shutting down", () => {
    expect(ids(createOrderedView(table, instanceRecord({ shutdown: true }), NOW))).toEqual(["a", "b"]);
  });
});
