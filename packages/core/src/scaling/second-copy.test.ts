import { describe, expect, it } from "vitest";
import { createModelRecord } from "../records/model-record.js";
import { resolveScalingOptions } from "./options.js";
import { assessRateCheck } from "./rate-check.js";
import type { UsageIterations } from "./second-copy.js";
import { NO_USAGE_ITERATIONS, observeUse, secondCopyAllowed, secondCopyWindow } from "./second-copy.js";

const HOUR = 3_600_000;

describe("secondCopyWindow()", () => {
  it("counts the default 7–40 min window in 10 s iterations", () => {
    expect(secondCopyWindow(resolveScalingOptions())).toEqual({
      minAgeIterations: 42,
      maxAgeIterations: 240,
    });
  });
});

describe("observeUse()", () => {
  const window = { minAgeIterations: 40, maxAgeIterations: 100 };
  const cases: ReadonlyArray<[string, UsageIterations, number, boolean, UsageIterations]> = [
    [
      "first use",
      NO_USAGE_ITERATIONS,
      5,
      false,
      { earlierUseIteration: Number.MIN_SAFE_INTEGER, lastUseIteration: 5 },
    ],
    [
      "last use too recent",
      { earlierUseIteration: 1, lastUseIteration: 11 },
      16,
      false,
      { earlierUseIteration: 11, lastUseIteration: 16 },
    ],
    [
      "last use in the window",
      { earlierUseIteration: 1, lastUseIteration: 50 },
      100,
      true,
      { earlierUseIteration: 50, lastUseIteration: 100 },
    ],
    [
      "earlier use in the window",
      { earlierUseIteration: 50, lastUseIteration: 95 },
      100,
      true,
      { earlierUseIteration: 50, lastUseIteration: 100 },
    ],
    [
      "both too old",
      { earlierUseIteration: 1, lastUseIteration: 2 },
      200,
      false,
      { earlierUseIteration: 2, lastUseIteration: 200 },
    ],
  ];
  it.each(cases)("%s", (_name, usage, iteration, inWindow, next) => {
    expect(observeUse(usage, iteration, window)).toEqual({ inWindow, usage: next });
  });
});

describe("secondCopyAllowed()", () => {
  const now = 100 * HOUR;
  const options = resolveScalingOptions();
  const cases: ReadonlyArray<[string, number, number, boolean]> = [
    ["10 % free", 10, 99 * HOUR, true],
    ["9 % free and a young cache", 9, 99 * HOUR, false],
    ["9 % free and a 21 h old cache", 9, now - 21 * HOUR, true],
    ["9 % free and a 19 h old cache", 9, now - 19 * HOUR, false],
  ];
  it.each(cases)("%s", (_name, freeUnits, globalLruMs, allowed) => {
    const stats = { totalCapacityUnits: 100, totalFreeUnits: freeUnits, globalLruMs };
    expect(secondCopyAllowed(stats, now, options)).toBe(allowed);
  });
});

describe("second-copy window (ModelMeshEvictionsTest.testSecondCopyTrigger, pure port)", () => {
  it("triggers only for a use 4.5 s after the previous one, with a 100 ms period and a 4–10 s window", () => {
    const options = resolveScalingOptions({
      rateCheckPeriodMs: 100,
      secondCopyMinAgeMs: 4000,
      secondCopyMaxAgeMs: 10_000,
    });
    const record = { ...createModelRecord({ type: "t" }), instanceIds: { self: 1 } };
    const start = 1_700_000_000_000;
    // Uses in ms after start: two 1 s apart, the assertion's uses, then 11 s later, then 4.5 s later.
    const uses = [60, 1060, 1560, 1560, 1560, 1560, 12_560, 13_060, 13_060, 13_060, 13_060, 17_560];
    let usage = NO_USAGE_ITERATIONS;
    const triggeredAt: number[] = [];
    // The task first runs half a period after start, then every period (§5.1).
    for (let iteration = 0, lastCheckMs = start; iteration < 185; iteration++) {
      const nowMs = start + 50 + iteration * 100;
      const count = uses.filter((t) => start + t > lastCheckMs && start + t <= nowMs).length;
      if (count > 0) {
        const result = assessRateCheck(
          {
            record,
            selfInstanceId: "self",
            count,
            nowMs,
            lastCheckMs,
            iteration,
            usage,
            window: secondCopyWindow(options),
            thresholdRpm: 100_000,
            suitableInstanceCount: 3,
            partition: { totalCapacityUnits: 1000, totalFreeUnits: 900, globalLruMs: start },
            busyInstanceIds: new Set(),
            assumeLoadedAfterMs: 3000,
          },
          options,
        );
        usage = result.usage;
        if (result.action.kind === "second-copy") triggeredAt.push(nowMs - start);
      }
      lastCheckMs = nowMs;
    }
    expect(triggeredAt).toEqual([17_650]);
  });
});
