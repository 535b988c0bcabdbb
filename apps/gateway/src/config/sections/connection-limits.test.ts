import { describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";

describe("connection limits (MM_CONN_*)", () => {
  it("defaults to 10 s handshake, 5 min idle, 1000 streams and 4096 connections per port", () => {
    const result = loadConfig({ env: {}, argv: [] });
    expect(result.kind === "ok" && result.config.connectionLimits).toEqual({
      handshakeTimeoutMs: 10_000,
      idleTimeoutMs: 300_000,
      maxConcurrentStreams: 1000,
      maxConnections: 4096,
    });
  });

  it("reads env vars and flags (flags win)", () => {
    const result = loadConfig({
      env: { MM_CONN_HANDSHAKE_TIMEOUT_MS: "2000", MM_CONN_IDLE_TIMEOUT_MS: "0" },
      argv: [
        "--conn-max-concurrent-streams=50",
        "--conn-max-connections",
        "10",
        "--conn-handshake-timeout-ms=3000",
      ],
    });
    expect(result.kind === "ok" && result.config.connectionLimits).toEqual({
      handshakeTimeoutMs: 3000,
      idleTimeoutMs: 0,
      maxConcurrentStreams: 50,
      maxConnections: 10,
    });
  });

  it("reports every invalid value at once", () => {
    const result = loadConfig({
      env: {
        MM_CONN_HANDSHAKE_TIMEOUT_MS: "400000",
        MM_CONN_IDLE_TIMEOUT_MS: "-1",
        MM_CONN_MAX_CONCURRENT_STREAMS: "0",
        MM_CONN_MAX_CONNECTIONS: "many",
      },
      argv: [],
    });
    expect(result.kind).toBe("invalid");
    const errors = result.kind === "invalid" ? result.errors : [];
    expect(errors).toHaveLength(4);
    for (const name of [
      "HANDSHAKE_TIMEOUT_MS",
      "IDLE_TIMEOUT_MS",
      "MAX_CONCURRENT_STREAMS",
      "MAX_CONNECTIONS",
    ])
      expect(
        errors.some((e) => e.startsWith(`MM_CONN_${name}=`)),
        name,
      ).toBe(true);
  });

  it("refuses MM_SVC_GRPC_MAX_HEADERS_SIZE above 64 KiB, which nghttp2 would not honour per stream", () => {
    const result = loadConfig({ env: { MM_SVC_GRPC_MAX_HEADERS_SIZE: String(1024 * 1024) }, argv: [] });
    expect(result.kind === "invalid" && result.errors).toEqual([
      'MM_SVC_GRPC_MAX_HEADERS_SIZE="1048576": must be between 1024 and 65536',
    ]);
  });
});
