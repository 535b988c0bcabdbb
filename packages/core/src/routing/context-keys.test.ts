import { describe, expect, it } from "vitest";
import { hasMeshErrorCode } from "../errors.js";
import {
  formatCacheHitExcludes,
  formatCacheMissExcludes,
  formatHopType,
  parseCacheHitExcludes,
  parseCacheMissExcludes,
  parseHopType,
} from "./context-keys.js";

describe("cache-hit exclusion strings (tas.ch_excludes)", () => {
  const copies = [
    { instanceId: "pod-abc123", loadTimestampMs: 1_700_000_000_123 },
    { instanceId: "pod-def456", loadTimestampMs: 5 },
  ];

  it("formats as id,loadTs pairs and parses back", () => {
    const text = formatCacheHitExcludes(copies);
    expect(text).toBe("pod-abc123,1700000000123,pod-def456,5");
    expect(parseCacheHitExcludes(text)).toEqual(copies);
    expect(parseCacheHitExcludes("")).toEqual([]);
    expect(formatCacheHitExcludes([])).toBe("");
  });

  for (const bad of ["a", "a,1,b", "a,x", "a,1.5", "a,"]) {
    it(`rejects "${bad}" with the original's INTERNAL error`, () => {
      expect(() => parseCacheHitExcludes(bad)).toThrow(`Invalid cache hit exclude string: ${bad}`);
      try {
        parseCacheHitExcludes(bad);
      } catch (e) {
        expect(hasMeshErrorCode(e, "INTERNAL")).toBe(true);
      }
    });
  }
});

describe("cache-miss exclusion strings (tas.cm_excludes)", () => {
  it("formats as a comma-separated list and parses back", () => {
    expect(formatCacheMissExcludes(["a", "b"])).toBe("a,b");
    expect(parseCacheMissExcludes("a,b")).toEqual(["a", "b"]);
    expect(parseCacheMissExcludes("")).toEqual([]);
    expect(formatCacheMissExcludes(new Set(["x"]))).toBe("x");
  });
});

describe("hop types (tas.internal)", () => {
  const cases: [string | undefined, ReturnType<typeof parseHopType>][] = [
    [undefined, "external"],
    ["internal", "internal"],
    ["hit_only", "hit_only"],
    ["load_local_only", "load_local_only"],
    ["force_local_load", "load_local_only"],
  ];
  for (const [value, hop] of cases) {
    it(`reads ${value} as ${hop}`, () => {
      expect(parseHopType(value)).toBe(hop);
    });
  }
  it("writes each hop type back", () => {
    expect(formatHopType("external")).toBeUndefined();
    for (const hop of ["internal", "hit_only", "load_local_only"] as const) {
      expect(parseHopType(formatHopType(hop))).toBe(hop);
    }
  });
});
