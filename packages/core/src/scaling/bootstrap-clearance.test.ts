import { describe, expect, it } from "vitest";
import { addCopy, addLoadFailure, createModelRecord } from "../records/model-record.js";
import { BootstrapClearance, classifyStartupFailure } from "./bootstrap-clearance.js";

const MIN = 60_000;
const now = 1_000 * MIN;

describe("classifyStartupFailure", () => {
  const base = createModelRecord({ type: "t", lastUsedMs: now });
  const judge = (record = base) =>
    classifyStartupFailure({ record, selfId: "me", nowMs: now, loadTimeoutMs: MIN });

  it("is fatal when another instance has held the model for longer than the load timeout", () => {
    expect(judge(addCopy(base, "other", now - 2 * MIN))).toBe("fatal");
    expect(judge(addCopy(base, "other", now - MIN / 2))).toBe("general");
    expect(judge(addCopy(base, "me", now - 2 * MIN))).toBe("general");
  });

  it("is ignored when another instance's failure is 30 min old or more, general otherwise", () => {
    expect(
      judge(addLoadFailure(base, { instanceId: "other", failedAtMs: now - 30 * MIN, message: "bad" })),
    ).toBe("ignored");
    expect(
      judge(addLoadFailure(base, { instanceId: "other", failedAtMs: now - 29 * MIN, message: "bad" })),
    ).toBe("general");
    expect(judge(undefined)).toBe("general");
  });
});

describe("BootstrapClearance", () => {
  const start = (enabled = true) => new BootstrapClearance({ enabled, periodMs: 3 * MIN, startMs: now });

  it("aborts on the third fatal failure", () => {
    const c = start();
    expect(c.recordFailure("fatal", now + 1, 0)).toBeUndefined();
    expect(c.recordFailure("fatal", now + 2, 0)).toBeUndefined();
    expect(c.recordFailure("fatal", now + 3, 0)).toMatch(/3 models failed/);
    expect(c.abortReason).toBeDefined();
  });

  it("aborts when over 20 outcomes more than half failed, not before", () => {
    const c = start();
    for (let i = 0; i < 10; i++) c.recordSuccess(now + i);
    for (let i = 0; i < 10; i++) expect(c.recordFailure("general", now + i, 0)).toBeUndefined();
    // 21 outcomes, 11 failures: more than half.
    expect(c.recordFailure("general", now + 20, 0)).toMatch(/11 of 21/);
  });

  it("counts loads in progress as outcomes", () => {
    const c = start();
    for (let i = 0; i < 11; i++) c.recordFailure("general", now + i, 0);
    expect(c.abortReason).toBeUndefined(); // 11 outcomes only
    expect(c.recordFailure("general", now + 12, 20)).toBeUndefined(); // 12 of 32
  });

  it("ignores outcomes after the window, ignored failures, and everything when disabled", () => {
    const late = start();
    for (let i = 0; i < 5; i++) late.recordFailure("fatal", now + 3 * MIN + i, 0);
    expect(late.abortReason).toBeUndefined();
    const off = start(false);
    for (let i = 0; i < 5; i++) off.recordFailure("fatal", now + i, 0);
    expect(off.abortReason).toBeUndefined();
    const ignored = start();
    for (let i = 0; i < 5; i++) ignored.recordFailure("ignored", now + i, 0);
    expect(ignored.abortReason).toBeUndefined();
  });
});
