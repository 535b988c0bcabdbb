import { addCopy, addLoadFailure, createModelRecord } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { othersChanged } from "./registry-writes.js";

describe("othersChanged()", () => {
  const base = addCopy(createModelRecord({ type: "t" }), "peer-a", 1);
  it("ignores changes of this instance's own entries", () => {
    const mine = addLoadFailure(addCopy(base, "self", 5), { instanceId: "self", failedAtMs: 6 });
    expect(othersChanged(base, mine, "self")).toBe(false);
  });
  it("notices another instance's new copy or failure", () => {
    expect(othersChanged(base, addCopy(base, "peer-b", 2), "self")).toBe(true);
    expect(othersChanged(base, addLoadFailure(base, { instanceId: "peer-b", failedAtMs: 3 }), "self")).toBe(
      true,
    );
  });
});
