import { describe, expect, it } from "vitest";
import { createModelRecord } from "../records/model-record.js";
import type { InstanceRecord, ModelRecord } from "../records/types.js";
import { resolveScalingOptions } from "./options.js";
import { assessRateCheck } from "./rate-check.js";
import type { ScaleUpInput } from "./scale-up.js";
import { busyInstanceIds, decideScaleUp, isHeavyRpm, isRateCheckDue, requestsPerMinute } from "./scale-up.js";
import { NO_USAGE_ITERATIONS, secondCopyWindow } from "./second-copy.js";

const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;
const options = resolveScalingOptions();

function model(copies: Record<string, number>, failed: Record<string, number> = {}): ModelRecord {
  return { ...createModelRecord({ type: "t" }), instanceIds: copies, failedIn: failed };
}

function scaleUp(changes: Partial<ScaleUpInput>) {
  return decideScaleUp(
    {
      record: model({ self: NOW - HOUR }),
      selfInstanceId: "self",
      rpm: 2000,
      thresholdRpm: 2000,
      suitableInstanceCount: 10,
      busyInstanceIds: new Set(),
      nowMs: NOW,
      elapsedMs: 10_000,
      assumeLoadedAfterMs: 3000,
      ...changes,
    },
    options,
  );
}

describe("rate helpers", () => {
  it("compute rpm, heaviness and whether a check is due", () => {
    expect(requestsPerMinute(500, 10_000)).toBe(3000);
    expect(requestsPerMinute(1, 7_000)).toBe(8);
    expect(isHeavyRpm(1501, 2000)).toBe(true);
    expect(isHeavyRpm(1500, 2000)).toBe(false);
    expect(isRateCheckDue(6_000, options)).toBe(true);
    expect(isRateCheckDue(5_999, options)).toBe(false);
  });

  it("busyInstanceIds(): above max(4 × threshold, own − 2 × threshold), never self", () => {
    const instance = (rpm: number): InstanceRecord => ({ rpm }) as InstanceRecord;
    const instances = new Map([
      ["self", instance(99_999)],
      ["a", instance(8001)],
      ["b", instance(8000)],
      ["c", instance(12_001)],
    ]);
    expect([
      ...busyInstanceIds({ instances, selfInstanceId: "self", thresholdRpm: 2000, ownRpm: 0 }),
    ]).toEqual(["a", "c"]);
    expect([
      ...busyInstanceIds({ instances, selfInstanceId: "self", thresholdRpm: 2000, ownRpm: 16_000 }),
    ]).toEqual(["c"]);
  });
});

describe("decideScaleUp()", () => {
  it("adds copies for rpm over the threshold, excluding holders and busy instances", () => {
    const decision = scaleUp({ rpm: 4100, busyInstanceIds: new Set(["busy"]) });
    expect(decision).toEqual({
      kind: "scale-up",
      copies: 2,
      chainCount: 1,
      lastUsedMs: NOW + 20_000,
      excludeInstanceIds: ["busy", "self"],
    });
  });

  const cases: ReadonlyArray<[string, Partial<ScaleUpInput>, string | number]> = [
    ["below the threshold", { rpm: 1999 }, "below-threshold"],
    [
      "another copy started loading recently",
      { record: model({ self: 1, other: NOW - 15_000 }) },
      "recent-load",
    ],
    ["our own recent load does not count", { record: model({ self: NOW - 1000 }) }, 1],
    ["capped at a third of the instances", { rpm: 20_000, suitableInstanceCount: 12 }, 4],
    // §15.4 item 4: the original capped 3 wanted copies at 5 / 3 = 1.
    ["the cap never goes below 2", { rpm: 6000, suitableInstanceCount: 5 }, 2],
    [
      "no more copies than candidates",
      { rpm: 10_000, suitableInstanceCount: 3, record: model({ self: 1 }, { f: 1 }) },
      1,
    ],
    // §15.4 item 4: 6 − 1 holder − 3 busy = 2 candidates (the original counted 6 − 1 − 3 − 3 = −1).
    [
      "busy instances are subtracted once",
      { rpm: 6000, suitableInstanceCount: 6, busyInstanceIds: new Set(["a", "b", "c"]) },
      2,
    ],
    [
      "busy holders are not subtracted",
      { rpm: 6000, suitableInstanceCount: 3, busyInstanceIds: new Set(["self"]) },
      2,
    ],
    ["no candidate left", { suitableInstanceCount: 2, busyInstanceIds: new Set(["x"]) }, "no-candidates"],
  ];
  it.each(cases)("%s", (_name, changes, expected) => {
    const decision = scaleUp(changes);
    if (typeof expected === "string") expect(decision).toEqual({ kind: "none", reason: expected });
    else expect(decision).toMatchObject({ kind: "scale-up", copies: expected, chainCount: expected - 1 });
  });
});

describe("assessRateCheck()", () => {
  const base = {
    selfInstanceId: "self",
    nowMs: NOW,
    lastCheckMs: NOW - 10_000,
    iteration: 500,
    usage: NO_USAGE_ITERATIONS,
    window: secondCopyWindow(options),
    thresholdRpm: 2000,
    suitableInstanceCount: 5,
    partition: { totalCapacityUnits: 1000, totalFreeUnits: 0, globalLruMs: NOW - HOUR },
    busyInstanceIds: new Set<string>(),
    assumeLoadedAfterMs: 3000,
  };

  const cases: ReadonlyArray<[string, object, string, boolean]> = [
    [
      "a type on a single instance",
      { suitableInstanceCount: 1, record: model({ self: 1 }), count: 400 },
      "single-instance-type",
      false,
    ],
    ["an unregistered model", { record: undefined, count: 400 }, "not-registered", true],
    ["a record without copies", { record: model({}), count: 1 }, "no-copies", false],
    [
      "every instance holds or failed it",
      { record: model({ self: 1, a: 1 }, { b: 1, c: 1, d: 1 }), count: 1 },
      "no-candidates",
      false,
    ],
    ["a quiet single copy", { record: model({ self: 1 }), count: 10 }, "below-threshold", false],
  ];
  it.each(cases)("skips %s", (_name, changes, reason, heavy) => {
    const result = assessRateCheck({ ...base, record: undefined, count: 0, ...changes }, options);
    expect(result.action).toEqual({ kind: "none", reason });
    expect(result.heavy).toBe(heavy);
  });

  it("scales a hot model up and reports it heavy", () => {
    const result = assessRateCheck(
      { ...base, suitableInstanceCount: 9, record: model({ self: 1 }), count: 1000 },
      options,
    );
    expect(result).toMatchObject({ rpm: 6000, heavy: true, action: { kind: "scale-up", copies: 3 } });
    expect(result.usage.lastUseIteration).toBe(500);
  });
});
