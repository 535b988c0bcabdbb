import { describe, expect, it } from "vitest";
import { formatGrpcTimeout, parseGrpcTimeout } from "./grpc-timeout.js";

describe("parseGrpcTimeout()", () => {
  it.each([
    ["1H", 3_600_000],
    ["2M", 120_000],
    ["3S", 3000],
    ["250m", 250],
    ["1500u", 1.5],
    ["2000000n", 2],
    ["99999999m", 99_999_999],
  ])("%s → %d ms", (value, ms) => {
    expect(parseGrpcTimeout(value)).toBe(ms);
  });

  it.each([undefined, "", "5", "100x", "123456789S", "-1S", "1.5S"])("%j → undefined", (value) => {
    expect(parseGrpcTimeout(value)).toBeUndefined();
  });

  it("formats and parses back", () => {
    for (const ms of [1, 999, 123_456, 1e9]) {
      expect(parseGrpcTimeout(formatGrpcTimeout(ms))).toBeGreaterThanOrEqual(ms);
    }
    expect(formatGrpcTimeout(0.2)).toBe("1m");
  });
});
