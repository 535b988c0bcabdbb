import { describe, expect, it } from "vitest";
import { MeshError } from "../errors.js";
import { modelRecord } from "../placement/test-support/records.js";
import { describeModelStatus } from "./model-status.js";

const NOW = 1_700_000_000_000;

describe("describeModelStatus() (§13.2)", () => {
  const record = modelRecord({
    instanceIds: { a: NOW - 5000, b: NOW - 1000 },
    failedIn: { c: NOW - 3000, d: NOW - 2000 },
    failureMessages: { c: "failed in c", d: "failed in d" },
  });

  it("lists copies and failures most recent first, with failure messages", () => {
    expect(describeModelStatus({ status: "LOADED", record, nowMs: NOW })).toEqual({
      status: "LOADED",
      errors: ["failed in d", "failed in c"],
      copies: [
        { location: "b", copyStatus: "UNKNOWN", timeMs: NOW - 1000 },
        { location: "d", copyStatus: "LOADING_FAILED", timeMs: NOW - 2000 },
        { location: "c", copyStatus: "LOADING_FAILED", timeMs: NOW - 3000 },
        { location: "a", copyStatus: "UNKNOWN", timeMs: NOW - 5000 },
      ],
    });
  });

  it("merges a failure seen during the request that the record does not show yet", () => {
    const failure = new MeshError("LOAD_FAILED", "runtime: model too large", { instanceId: "a" });
    const status = describeModelStatus({
      status: "LOADING_FAILED",
      record: modelRecord({ instanceIds: { a: NOW - 9 } }),
      failure,
      nowMs: NOW,
    });
    expect(status).toEqual({
      status: "LOADING_FAILED",
      errors: ["runtime: model too large"],
      copies: [{ location: "a", copyStatus: "LOADING_FAILED", timeMs: NOW }],
    });
  });

  it("reports a failure without an instance as the only error", () => {
    const failure = new MeshError("LOAD_FAILED", "Nowhere available to load");
    expect(
      describeModelStatus({ status: "LOADING_FAILED", record: modelRecord(), failure, nowMs: NOW }),
    ).toEqual({
      status: "LOADING_FAILED",
      errors: ["Nowhere available to load"],
      copies: [],
    });
  });

  it("adds nothing to NOT_LOADED and NOT_FOUND answers", () => {
    expect(describeModelStatus({ status: "NOT_LOADED", record, nowMs: NOW })).toEqual({
      status: "NOT_LOADED",
      errors: [],
      copies: [],
    });
  });
});
