import type { MeshStore } from "@modelmesh/core";
import type { RuntimeConnection } from "@modelmesh/runtime-client";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/config.js";
import { meshOptions } from "./mesh-options.js";
import { runtimeOptions } from "./runtime-options.js";

function config(env: Record<string, string>) {
  const result = loadConfig({ argv: [], env });
  if (result.kind !== "ok") throw new Error(JSON.stringify(result));
  return result.config;
}

describe("runtimeOptions()", () => {
  it.each([
    [{}, {}],
    [{ INTERNAL_GRPC_PORT: "9001" }, { port: 9001, host: "127.0.0.1" }],
    [{ INTERNAL_GRPC_SOCKET_PATH: "/tmp/r.sock" }, { socketPath: "/tmp/r.sock" }],
    [
      { INTERNAL_GRPC_PORT: "9001", INTERNAL_SERVING_GRPC_PORT: "9002" },
      { port: 9001, servingPort: 9002, host: "127.0.0.1" },
    ],
    [{ INTERNAL_SERVING_GRPC_SOCKET_PATH: "/tmp/s.sock" }, { servingSocketPath: "/tmp/s.sock" }],
  ])("maps %j to the runtime endpoints", (env, expected) => {
    const options = runtimeOptions(config(env));
    expect(options).toMatchObject(expected);
    expect(options).toMatchObject({ startupTimeoutMs: 180_000, maxMessageBytes: 16 * 1024 * 1024 });
  });

  it("passes the runtime keep-alive settings", () => {
    const env = { MM_RUNTIME_KEEPALIVE_INTERVAL_MS: "2000", MM_RUNTIME_KEEPALIVE_TIMEOUT_MS: "1000" };
    expect(runtimeOptions(config(env))).toMatchObject({
      keepAliveIntervalMs: 2000,
      keepAliveTimeoutMs: 1000,
    });
  });
});

describe("meshOptions()", () => {
  it("passes identity, timings and limits from the config", () => {
    const c = config({
      MM_INSTANCE_ID: "i-1",
      MM_LOCATION: "10.0.0.1",
      MM_ZONE: "z1",
      MM_LABELS: "b,a",
      MM_SVC_GRPC_PORT: "9033",
      MM_JANITOR_INTERVAL_MS: "1000",
      MM_LOAD_FAILURE_EXPIRY_TIME_MS: "2000",
      MM_SVC_GRPC_MAX_MSG_SIZE: "65536",
      MM_MIN_CHURN_AGE_MS: "45000",
    });
    const ports = {
      store: {} as MeshStore,
      runtime: {} as RuntimeConnection,
      logger: undefined as never,
    };
    const options = meshOptions(c, ports);
    expect(options.identity).toEqual({
      instanceId: "i-1",
      location: "10.0.0.1",
      grpcPort: 9033,
      internalPort: 8080,
      labels: ["a", "b"],
      zone: "z1",
    });
    expect(options.timings).toMatchObject({
      janitorIntervalMs: 1000,
      loadFailureExpiryMs: 2000,
      minChurnAgeMs: 45_000,
    });
    expect(options.maxMessageBytes).toBe(65536);
  });

  const ports = { store: {} as MeshStore, runtime: {} as RuntimeConnection, logger: undefined as never };

  it("passes the multi-model parallelism, and a dataplane config only when one is given", () => {
    const defaults = meshOptions(config({}), ports);
    expect(defaults.multiModelParallelism).toBe(4);
    expect(defaults).not.toHaveProperty("dataplane");
    const dataplane = {
      rpcConfigs: { "mmesh.ExamplePredictor/predict": { idExtractionPath: [1], vModelId: false } },
      allowOtherRpcs: false,
    };
    const given = meshOptions(
      config({ MM_MULTI_PARALLELISM: "2", MM_DATAPLANE_CONFIG: JSON.stringify(dataplane) }),
      ports,
    );
    expect(given.multiModelParallelism).toBe(2);
    expect(given.dataplane).toEqual(dataplane);
  });

  it("passes the static models only when some are given", () => {
    expect(meshOptions(config({}), ports)).not.toHaveProperty("staticModels");
    const models = [{ modelId: "a", modelInfo: { type: "t", path: "p" }, vModelId: "v", ensureLoaded: true }];
    const given = meshOptions(config({ MM_AUTO_REGISTER_MODELS: JSON.stringify(models) }), ports);
    expect(given.staticModels).toEqual([{ ...models[0], retainAfterTransition: false }]);
  });
});
