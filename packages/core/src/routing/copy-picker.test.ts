import { describe, expect, it } from "vitest";
import { type CopyPickOptions, pickCopy } from "./copy-picker.js";

const NOW = 1_700_000_000_000;
const OLD = NOW - 10_000; // assumed loaded (after 3 s)

function peers(
  inFlight: Record<string, number>,
  lastUsed: Record<string, number> = {},
  unreachable: string[] = [],
) {
  return {
    isReachable: (id: string) => !unreachable.includes(id),
    inFlight: (id: string) => inFlight[id] ?? 0,
    lastUsedMs: (id: string) => lastUsed[id] ?? 0,
  };
}

const base = { selfId: "self", selfMode: "compete", nowMs: NOW, assumeLoadedAfterMs: 3000 } as const;

describe("pickCopy() (§2.4)", () => {
  const cases: { name: string; options: CopyPickOptions; want: string | undefined }[] = [
    {
      name: "fewest in flight",
      options: { ...base, copies: { a: OLD, b: OLD, c: OLD }, peers: peers({ a: 2, b: 1, c: 3 }) },
      want: "b",
    },
    {
      name: "ties go to the least recently used destination",
      options: { ...base, copies: { a: OLD, b: OLD }, peers: peers({}, { a: NOW - 10, b: NOW - 20 }) },
      want: "b",
    },
    {
      name: "equal in every way: the first one",
      options: { ...base, copies: { a: OLD, b: OLD }, peers: peers({}) },
      want: "a",
    },
    {
      name: "copies still loading lose to one assumed loaded",
      options: { ...base, copies: { a: NOW - 1000, b: OLD }, peers: peers({ b: 5 }) },
      want: "b",
    },
    {
      name: "none assumed loaded: the oldest load start",
      options: { ...base, copies: { a: NOW - 1000, b: NOW - 2000, c: NOW - 500 }, peers: peers({}) },
      want: "b",
    },
    {
      name: "unreachable copies are skipped",
      options: { ...base, copies: { a: OLD, b: OLD }, peers: peers({ b: 9 }, {}, ["a"]) },
      want: "b",
    },
    {
      name: "excluded copies are skipped",
      options: {
        ...base,
        copies: { a: OLD, b: OLD },
        peers: peers({ b: 9 }),
        isExcluded: (id) => id === "a",
      },
      want: "b",
    },
    {
      name: "this instance competes with its local in-flight count",
      options: { ...base, copies: { self: OLD, a: OLD }, peers: peers({ self: 0, a: 1 }) },
      want: "self",
    },
    {
      name: "this instance is left out when excluded",
      options: {
        ...base,
        selfMode: "exclude",
        copies: { self: OLD, a: OLD },
        peers: peers({ self: 0, a: 1 }),
      },
      want: "a",
    },
    {
      name: "this instance wins ties when preferred",
      options: {
        ...base,
        selfMode: "prefer",
        copies: { a: OLD, self: OLD },
        peers: peers({}, { self: NOW - 1, a: NOW - 1000 }),
      },
      want: "self",
    },
    { name: "nothing to pick", options: { ...base, copies: {}, peers: peers({}) }, want: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(pickCopy(c.options)).toBe(c.want);
    });
  }
});
