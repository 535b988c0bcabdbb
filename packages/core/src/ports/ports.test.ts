import { describe, expect, it } from "vitest";
import { createManualClock } from "./clock.js";
import { createSeededRandom, randomIndex } from "./random.js";

describe("createManualClock()", () => {
  it("moves only when told, and never backwards", () => {
    const clock = createManualClock(1000);
    expect(clock.nowMs()).toBe(1000);
    clock.advance(250);
    expect(clock.nowMs()).toBe(1250);
    clock.set(2000);
    expect(clock.nowMs()).toBe(2000);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.set(1999)).toThrow(RangeError);
  });
});

describe("createSeededRandom()", () => {
  it("repeats the same sequence for the same seed, in [0, 1)", () => {
    const a = createSeededRandom(42);
    const b = createSeededRandom(42);
    const values = Array.from({ length: 1000 }, () => a.next());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b.next()));
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(new Set(values).size).toBeGreaterThan(990);
  });

  it("picks every index of a range", () => {
    const random = createSeededRandom(7);
    const seen = new Set(Array.from({ length: 200 }, () => randomIndex(random, 5)));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
  });
});
