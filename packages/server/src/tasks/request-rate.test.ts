import { createManualClock } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { RequestRate } from "./request-rate.js";

describe("RequestRate", () => {
  it("averages over the time covered, at least one minute", () => {
    const clock = createManualClock(0);
    const rate = new RequestRate(clock);
    for (let i = 0; i < 30; i++) rate.record();
    expect(rate.rpm()).toBe(30);
    clock.advance(120_000);
    for (let i = 0; i < 30; i++) rate.record();
    expect(rate.rpm()).toBe(30);
  });

  it("forgets requests older than the window", () => {
    const clock = createManualClock(0);
    const rate = new RequestRate(clock);
    for (let i = 0; i < 70; i++) rate.record();
    clock.advance(8 * 60_000);
    expect(rate.rpm()).toBe(0);
    rate.record(12);
    expect(rate.rpm()).toBeGreaterThan(0);
  });
});
