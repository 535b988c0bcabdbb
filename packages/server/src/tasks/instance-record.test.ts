import { describe, expect, it } from "vitest";
import { instanceVersion } from "./instance-record.js";

describe("instanceVersion()", () => {
  const cases: [string | undefined, number][] = [
    [undefined, 0],
    ["latest", 0],
    ["modelmesh-20240131-3", Date.UTC(2024, 0, 31) + 3],
    ["20240131-1215", Date.UTC(2024, 0, 31) + (12 * 60 + 15) * 60_000],
    ["20240131-1215-2", Date.UTC(2024, 0, 31) + (12 * 60 + 15) * 60_000 + 2],
  ];
  for (const [version, expected] of cases) {
    it(`reads ${String(version)}`, () => {
      expect(instanceVersion(version)).toBe(expected);
    });
  }
  it("orders newer builds after older ones", () => {
    expect(instanceVersion("x-20240201-1")).toBeGreaterThan(instanceVersion("x-20240131-9"));
  });
});
