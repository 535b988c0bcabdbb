import { describe, expect, it } from "vitest";
import { headerListBytes } from "./header-limit.js";

describe("headerListBytes()", () => {
  it("counts name, value and 32 bytes per field, as HTTP/2's SETTINGS_MAX_HEADER_LIST_SIZE", () => {
    expect(headerListBytes([])).toBe(0);
    expect(headerListBytes([":path", "/a", "x-big", "aaaa"])).toBe(5 + 2 + 32 + 5 + 4 + 32);
  });
});
