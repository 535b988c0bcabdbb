import { describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";

describe("stream limits config", () => {
  it("defaults to a minute for both timeouts and an 8 MiB window", () => {
    const result = loadConfig({ env: {}, argv: [] });
    if (result.kind !== "ok") throw new Error(JSON.stringify(result));
    expect(result.config.streamLimits).toEqual({
      requestBodyTimeoutMs: 60_000,
      stallTimeoutMs: 60_000,
      windowBytes: 8 * 1024 * 1024,
    });
  });

  it("reads env vars and flags (flags win)", () => {
    const result = loadConfig({
      env: { MM_REQUEST_BODY_TIMEOUT_MS: "1500", MM_STREAM_STALL_TIMEOUT_MS: "2000" },
      argv: ["--stream-stall-timeout-ms=3000", "--stream-window-bytes", "131072"],
    });
    if (result.kind !== "ok") throw new Error(JSON.stringify(result));
    expect(result.config.streamLimits).toEqual({
      requestBodyTimeoutMs: 1500,
      stallTimeoutMs: 3000,
      windowBytes: 131_072,
    });
  });

  it("reports every invalid value at once", () => {
    const result = loadConfig({
      env: {
        MM_REQUEST_BODY_TIMEOUT_MS: "0",
        MM_STREAM_STALL_TIMEOUT_MS: "soon",
        MM_STREAM_WINDOW_BYTES: "1024",
      },
      argv: [],
    });
    expect(result.kind).toBe("invalid");
    const errors = result.kind === "invalid" ? result.errors : [];
    expect(errors).toEqual([
      'MM_REQUEST_BODY_TIMEOUT_MS="0": must be between 1 and 9007199254740991',
      'MM_STREAM_STALL_TIMEOUT_MS="soon": must be a whole number',
      'MM_STREAM_WINDOW_BYTES="1024": must be between 65535 and 2147483647',
    ]);
  });
});
