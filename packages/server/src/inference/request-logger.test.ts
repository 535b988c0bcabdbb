import type { LogFields, Logger } from "@modelmesh/core";
import { describe, expect, it } from "vitest";
import { requestLogger } from "./request-logger.js";

/** A logger port that records the fields of the children made from it. */
function recordingLogger(fields: LogFields = {}): Logger & { fields: LogFields } {
  const noop = () => {};
  return {
    fields,
    debug: noop,
    info: noop,
    warn: noop,
    error: noop,
    isDebugEnabled: () => false,
    child: (more) => recordingLogger({ ...fields, ...more }),
  };
}

describe("requestLogger()", () => {
  const base = recordingLogger();

  it("adds the mapped headers the call carries; -bin values are decoded, repeated ones joined", () => {
    const log = requestLogger(
      base,
      {
        "x-request-id": "r-1",
        "x-user-bin": Buffer.from("zoë").toString("base64"),
        "x-tags": ["a", "b"],
      },
      { "x-request-id": "requestId", "x-user-bin": "user", "x-tags": "tags", "x-absent": "absent" },
    ) as Logger & { fields: LogFields };
    expect(log.fields).toEqual({ requestId: "r-1", user: "zoë", tags: "a,b" });
  });

  it("returns the logger itself when nothing is mapped or no mapped header is present", () => {
    expect(requestLogger(base, { "x-request-id": "r-1" }, undefined)).toBe(base);
    expect(requestLogger(base, { other: "x" }, { "x-request-id": "requestId" })).toBe(base);
  });
});
