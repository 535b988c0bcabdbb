import { describe, expect, it } from "vitest";
import { createLoadTimeTracker, createTimeStats } from "./load-time-stats.js";

describe("createTimeStats() (§6.5)", () => {
  it("moves a third of the way to the mean for the first three samples", () => {
    const stats = createTimeStats(30_000);
    stats.record(3000); // mean 3000 → (60000 + 3000) / 3
    expect(stats.assumeLoadedAfterMs).toBe(21_000);
    stats.record(5000); // mean 4000 → (42000 + 4000) / 3
    expect(stats.assumeLoadedAfterMs).toBe(15_333);
    stats.record(4000); // mean 4000 → (30666 + 4000) / 3
    expect(stats.assumeLoadedAfterMs).toBe(11_555);
  });

  it("sets mean + 5 × stddev on every fourth sample up to 20, then 3 × stddev", () => {
    const stats = createTimeStats(30_000);
    for (const t of [1000, 3000, 1000, 3000]) stats.record(t);
    // mean 2000, population stddev 1000
    expect(stats.assumeLoadedAfterMs).toBe(7000);
    expect(stats.count).toBe(4);
    expect(stats.meanMs).toBe(2000);
    stats.record(2000); // fifth sample: unchanged
    expect(stats.assumeLoadedAfterMs).toBe(7000);
    for (let i = 0; i < 19; i++) stats.record(i % 2 === 0 ? 1000 : 3000);
    expect(stats.count).toBe(24);
    const sd = Math.sqrt(
      [1000, 3000, 1000, 3000, 2000, ...Array.from({ length: 19 }, (_, i) => (i % 2 === 0 ? 1000 : 3000))]
        .map((t) => (t - stats.meanMs) ** 2)
        .reduce((a, b) => a + b) / 24,
    );
    expect(stats.assumeLoadedAfterMs).toBe(Math.trunc(stats.meanMs + 3 * sd));
  });
});

describe("createLoadTimeTracker()", () => {
  it("starts at max(3 s, loadTimeout / 3)", () => {
    expect(createLoadTimeTracker({ loadTimeoutMs: 6000 }).assumeLoadedAfterMs("x")).toBe(3000);
    expect(createLoadTimeTracker({ loadTimeoutMs: 10_000 }).assumeLoadedAfterMs("x")).toBe(3333);
  });

  it("keeps statistics per model type from the default", () => {
    const tracker = createLoadTimeTracker({ loadTimeoutMs: 90_000 });
    expect(tracker.assumeLoadedAfterMs("tf")).toBe(30_000);
    tracker.recordLoadTimeMs("tf", 3000);
    expect(tracker.assumeLoadedAfterMs("tf")).toBe(21_000);
    expect(tracker.assumeLoadedAfterMs("onnx")).toBe(30_000);
    expect(tracker.stats("tf").count).toBe(1);
  });
});
