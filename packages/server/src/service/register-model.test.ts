import { createManualClock } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { initialLastUsedMs, type Registration } from "./register-model.js";

const HOUR = 3_600_000;

describe("initialLastUsedMs()", () => {
  const clock = createManualClock(1_700_000_000_000);
  const base: Registration = {
    modelId: "m",
    type: "t",
    path: undefined,
    key: undefined,
    loadNow: false,
    lastUsedMs: 0,
  };
  const cases: [string, Partial<Registration>, number][] = [
    ["six hours back without loadNow", {}, clock.nowMs() - 6 * HOUR],
    ["one hour back with loadNow", { loadNow: true }, clock.nowMs() - HOUR],
    ["the client's value", { lastUsedMs: clock.nowMs() - 5000 }, clock.nowMs() - 5000],
    ["the client's value capped at now", { lastUsedMs: clock.nowMs() + 60_000 }, clock.nowMs()],
  ];
  for (const [name, overrides, expected] of cases) {
    it(name, () => {
      expect(initialLastUsedMs({ ...base, ...overrides }, clock.nowMs())).toBe(expected);
    });
  }
});
