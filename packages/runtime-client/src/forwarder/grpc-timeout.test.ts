import { describe, expect, it } from "vitest";
import { encodeGrpcTimeout, parseGrpcTimeout } from "./grpc-timeout.js";

describe("encodeGrpcTimeout()", () => {
  const cases: [number, string][] = [
    [250, "250m"],
    [0.2, "1m"],
    [-5, "1m"],
    [1234.5, "1235m"],
    [99_999_999, "99999999m"],
    [100_000_000, "100000S"],
    [1e14, "27777778H"],
  ];
  for (const [ms, expected] of cases)
    it(`encodes ${ms} ms as ${expected}`, () => expect(encodeGrpcTimeout(ms)).toBe(expected));
});

describe("parseGrpcTimeout()", () => {
  const cases: [string | undefined, number | undefined][] = [
    ["250m", 250],
    ["2S", 2000],
    ["1M", 60_000],
    ["1H", 3_600_000],
    ["1500u", 1.5],
    ["2000000n", 2],
    [undefined, undefined],
    ["123456789m", undefined],
    ["10x", undefined],
    ["", undefined],
  ];
  for (const [value, expected] of cases)
    it(`reads ${String(value)}`, () => expect(parseGrpcTimeout(value)).toBe(expected));
});
