import { describe, expect, it } from "vitest";
import { applyBusyFilter, busyLimitRpm } from "./busy-filter.js";
import type { OrderedView } from "./ordered-view.js";
import { instanceRecord } from "./test-support/records.js";

const NOW = 1_700_000_000_000;
const DAY = 86_400_000;

function viewOf(rpms: readonly number[]): OrderedView {
  const entries = rpms.map((rpm, i) => ({ id: `i${i}`, record: instanceRecord({ rpm }) }));
  return { length: entries.length, at: (rank) => entries[rank] as (typeof entries)[number] };
}

describe("busyLimitRpm()", () => {
  const cases: { lastUsedAgoMs: number; minLoad: number; want: number }[] = [
    { lastUsedAgoMs: -1001, minLoad: 200, want: 220 },
    { lastUsedAgoMs: -1000, minLoad: 200, want: 300 },
    { lastUsedAgoMs: 4999, minLoad: 101, want: 151 },
    { lastUsedAgoMs: 5000, minLoad: 100, want: 300 },
    { lastUsedAgoMs: 12 * 60_000 - 1, minLoad: 100, want: 300 },
    { lastUsedAgoMs: 12 * 60_000, minLoad: 100, want: 400 },
    { lastUsedAgoMs: DAY - 1, minLoad: 150, want: 600 },
    { lastUsedAgoMs: DAY, minLoad: 150, want: Number.POSITIVE_INFINITY },
  ];
  for (const c of cases) {
    it(`allows ${c.want} rpm for a model used ${c.lastUsedAgoMs} ms ago with min load ${c.minLoad}`, () => {
      expect(busyLimitRpm(c.lastUsedAgoMs, c.minLoad)).toBe(c.want);
    });
  }
});

describe("applyBusyFilter()", () => {
  const cases: { name: string; rpms: number[]; lastUsedMs: number; survivors: number[] }[] = [
    {
      name: "used 10 s ago: drops above 3 × min load",
      rpms: [100, 250, 301, 50],
      lastUsedMs: NOW - 10_000,
      survivors: [0, 1, 3],
    },
    { name: "min load is at least 100", rpms: [10, 160, 140], lastUsedMs: NOW, survivors: [0, 2] },
    {
      name: "load-triggered scale-up: drops above 1.1 × min load",
      rpms: [200, 221, 220],
      lastUsedMs: NOW + 5000,
      survivors: [0, 2],
    },
    {
      name: "instances under 100 rpm are never busy",
      rpms: [99, 99, 99],
      lastUsedMs: NOW,
      survivors: [0, 1, 2],
    },
    {
      name: "used 2 days ago: nothing is busy",
      rpms: [100, 5000],
      lastUsedMs: NOW - 2 * DAY,
      survivors: [0, 1],
    },
    {
      name: "used 6 days ago: not filtered",
      rpms: [100, 5000],
      lastUsedMs: NOW - 6 * DAY,
      survivors: [0, 1],
    },
    { name: "lastUsed 0 means now", rpms: [100, 151], lastUsedMs: 0, survivors: [0] },
    { name: "a single candidate is kept", rpms: [9000], lastUsedMs: NOW, survivors: [0] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const view = viewOf(c.rpms);
      const pool = c.rpms.map((_, i) => i);
      expect(applyBusyFilter({ view, pool, lastUsedMs: c.lastUsedMs, nowMs: NOW }).survivors).toEqual(
        c.survivors,
      );
    });
  }
});
