import { describe, expect, it } from "vitest";
import { failureExpiryMs, inUseFailureExpiryMs, isFailureExpired } from "./failure-expiry.js";
import { resolveScalingOptions } from "./options.js";

const NOW = 1_700_000_000_000;
const MIN = 60_000;
const options = resolveScalingOptions();

describe("failure expiry", () => {
  const cases: ReadonlyArray<[string, number, number, boolean]> = [
    // name, failed minutes ago, last used minutes ago (0 = not cached), expired
    ["14 min old, not in use", 14, 0, false],
    ["16 min old, not in use", 16, 0, true],
    ["8 min old, used 2 min ago (half expiry)", 8, 2, true],
    ["7 min old, used 2 min ago", 7, 2, false],
    ["8 min old, used 4 min ago (full expiry)", 8, 4, false],
  ];
  it.each(cases)("%s", (_name, failedAgo, usedAgo, expired) => {
    const age = {
      failedAtMs: NOW - failedAgo * MIN,
      lastUsedMs: usedAgo === 0 ? 0 : NOW - usedAgo * MIN,
      nowMs: NOW,
    };
    expect(isFailureExpired(age, options)).toBe(expired);
  });

  it("follows the configured expiry (the reference test uses 2 s)", () => {
    const short = resolveScalingOptions({ loadFailureExpiryMs: 2000 });
    expect(inUseFailureExpiryMs(short)).toBe(1000);
    expect(failureExpiryMs(NOW - 500, NOW, short)).toBe(1000);
    expect(failureExpiryMs(0, NOW, short)).toBe(2000);
  });
});
