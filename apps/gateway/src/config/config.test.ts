import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type GatewayConfig, loadConfig } from "./config.js";

function ok(env: Record<string, string>, argv: string[] = []): GatewayConfig {
  const result = loadConfig({ env, argv });
  if (result.kind !== "ok") throw new Error(JSON.stringify(result));
  return result.config;
}

function errors(env: Record<string, string>, argv: string[] = []): readonly string[] {
  const result = loadConfig({ env, argv });
  if (result.kind !== "invalid") throw new Error(`expected invalid, got ${result.kind}`);
  return result.errors;
}

describe("loadConfig()", () => {
  it("has the original's defaults with the embedded store", () => {
    const config = ok({});
    expect(config.store.store).toEqual({ kind: "embedded", dataDir: ".modelmesh-data" });
    expect(config.store.kvPrefix).toBe("tas-runtime");
    expect(config.transport).toMatchObject({
      grpcPort: 8033,
      internalPort: 8080,
      probePort: 8089,
      prestopPort: 8090,
    });
    expect(config.transport.maxMessageBytes).toBe(16 * 1024 * 1024);
    expect(config.runtime.management).toBe("auto");
    expect(config.runtime.startupTimeoutMs).toBe(180_000);
    expect(config.behaviour).toMatchObject({
      shutdownTimeoutMs: 30_000,
      shutdownReadinessGraceMs: 2000,
      loadFailureExpiryMs: 900_000,
      scaleUpRpmThreshold: 2000,
    });
    expect(config.dataplane).toEqual({ rpcConfigs: {}, allowOtherRpcs: true });
    expect(config.identity.serviceName).toBe("modelmesh");
  });

  it("reads the original's env names, deprecated aliases and flags (flags win)", () => {
    const result = loadConfig({
      env: {
        TAS_SVC_GRPC_PORT: "9000",
        KV_STORE: "etcd:http://127.0.0.1:2379",
        MM_SERVICE_NAME: "svc",
        INTERNAL_GRPC_PORT: "8001",
      },
      argv: ["--internal-port=9100", "--labels", "gpu, a100,gpu"],
    });
    expect(result.kind).toBe("ok");
    if (result.kind !== "ok") return;
    expect(result.config.transport.grpcPort).toBe(9000);
    expect(result.config.transport.internalPort).toBe(9100);
    expect(result.config.identity.labels).toEqual(["a100", "gpu"]);
    expect(result.config.store.store).toMatchObject({
      kind: "etcd",
      spec: "http://127.0.0.1:2379",
      connection: { endpoints: ["127.0.0.1:2379"], rootPrefix: "" },
    });
    expect(result.config.runtime.management).toEqual({ kind: "tcp", host: "127.0.0.1", port: 8001 });
    expect(result.warnings).toContain("TAS_SVC_GRPC_PORT is deprecated; use MM_SVC_GRPC_PORT");
  });

  it.each([
    [{ MM_INSTANCE_ID: "abc" }, "abc"],
    [{ WKUBE_POD_NAME: "modelmesh-serving-7d9f8c6b5-x2k4p" }, "f8c6b5-x2k4p"],
  ])("derives the instance id from %j", (env, id) => {
    expect(ok(env).identity.instanceId).toBe(id);
  });

  it("reads KV_READ_ONLY (read-only migration mode), off by default", () => {
    expect(ok({}).store.readOnly).toBe(false);
    expect(ok({ KV_READ_ONLY: "true" }).store.readOnly).toBe(true);
    expect(ok({ KV_READ_ONLY: "TRUE" }).store.readOnly).toBe(true);
  });

  it("reads MM_MAX_INFLIGHT_PER_MODEL_COPY (0 = default, negative = no bound) and refuses other values", () => {
    expect(ok({}).behaviour.maxInflightPerCopy).toBe(0);
    expect(ok({ MM_MAX_INFLIGHT_PER_MODEL_COPY: "-1" }).behaviour.maxInflightPerCopy).toBe(-1);
    expect(ok({ MM_MAX_INFLIGHT_PER_MODEL_COPY: "24" }).behaviour.maxInflightPerCopy).toBe(24);
    expect([...errors({ MM_MAX_INFLIGHT_PER_MODEL_COPY: "many", KV_READ_ONLY: "maybe" })].sort()).toEqual([
      'KV_READ_ONLY="maybe": must be true or false',
      'MM_MAX_INFLIGHT_PER_MODEL_COPY="many": must be a whole number',
    ]);
  });

  it.each([
    [{ MM_LOCATION: "10.0.0.7", WKUBE_NODE_IP: "10.0.0.8", MM_ADVERTISE_ADDRESS: "10.1.0.3" }, "10.0.0.7"],
    [{ WKUBE_NODE_IP: "10.0.0.8", MM_ADVERTISE_ADDRESS: "10.1.0.3" }, "10.0.0.8"],
    [{ MM_ADVERTISE_ADDRESS: "10.1.0.3" }, "10.1.0.3"],
    [{ WKUBE_POD_IPADDR: "10.1.0.4" }, "10.1.0.4"],
  ])("takes the location from %j", (env, location) => {
    expect(ok(env).identity.location).toBe(location);
  });

  it("reports every problem at once", () => {
    const found = errors(
      {
        MM_SVC_GRPC_PORT: "80x",
        MM_PROBE_PORT: "99999",
        KV_STORE: "etcd:http://x:2379",
        INTERNAL_GRPC_PORT: "8085",
        INTERNAL_GRPC_SOCKET_PATH: "/tmp/s",
        MM_LOG_REQUEST_HEADERS: "{}",
        MM_DATAPLANE_CONFIG: '{"rpcConfigs": {}, "bogus": 1}',
        MM_INSTANCE_ID: "a,b",
        MM_SHUTDOWN_READINESS_GRACE_MS: "-5",
      },
      ["--nope=1"],
    );
    expect(found).toEqual(
      expect.arrayContaining([
        'MM_SVC_GRPC_PORT="80x": must be a whole number',
        'MM_PROBE_PORT="99999": must be between 1 and 65535',
        "MM_SERVICE_NAME is required when KV_STORE is etcd",
        "INTERNAL_GRPC_PORT and INTERNAL_GRPC_SOCKET_PATH are mutually exclusive; set one",
        'MM_LOG_REQUEST_HEADERS="{}": must name at least one header',
        'MM_DATAPLANE_CONFIG="{\\"rpcConfigs\\": {}, \\"bogus\\": 1}": unknown properties bogus',
        "MM_INSTANCE_ID=\"a,b\": must not contain ','",
        "unknown option --nope (see --help)",
        expect.stringMatching(/^MM_SHUTDOWN_READINESS_GRACE_MS="-5": /),
      ]),
    );
    expect(found).toHaveLength(9);
  });

  it("reads the store call deadline and the etcd keep-alive settings, refusing values out of range", () => {
    expect(ok({}).store).toMatchObject({
      requestTimeoutMs: 10_000,
      keepaliveTimeMs: 10_000,
      keepaliveTimeoutMs: 5000,
    });
    const store = ok({ MM_KV_REQUEST_TIMEOUT_MS: "2000" }, [
      "--kv-keepalive-time-ms=6000",
      "--kv-keepalive-timeout-ms=1500",
    ]).store;
    expect(store).toMatchObject({ requestTimeoutMs: 2000, keepaliveTimeMs: 6000, keepaliveTimeoutMs: 1500 });
    expect(
      errors({
        MM_KV_REQUEST_TIMEOUT_MS: "0",
        MM_KV_KEEPALIVE_TIME_MS: "10",
        MM_KV_KEEPALIVE_TIMEOUT_MS: "x",
      }),
    ).toEqual([
      'MM_KV_REQUEST_TIMEOUT_MS="0": must be between 100 and 600000',
      'MM_KV_KEEPALIVE_TIME_MS="10": must be between 1000 and 3600000',
      'MM_KV_KEEPALIVE_TIMEOUT_MS="x": must be a whole number',
    ]);
  });

  it("rejects clashing ports and unsupported stores", () => {
    expect(errors({ MM_PROBE_PORT: "8033" })).toContain(
      "MM_SVC_GRPC_PORT and MM_PROBE_PORT are both 8033; each port must differ",
    );
    expect(errors({ KV_STORE: "zookeeper:x:2181" })).toContain(
      "KV_STORE: ZooKeeper is not supported; use etcd:<endpoints>",
    );
    expect(errors({ KV_READ_ONLY: "yes" })).toEqual(['KV_READ_ONLY="yes": must be true or false']);
  });

  it("reads the dataplane config from a file and validates it", () => {
    const dir = mkdtempSync(join(tmpdir(), "mm-config-"));
    const good = join(dir, "good.json");
    writeFileSync(
      good,
      JSON.stringify({ rpcConfigs: { "mmesh.ExamplePredictor/predict": { idExtractionPath: [1] } } }),
    );
    expect(ok({ MM_DATAPLANE_CONFIG_PATH: good }).dataplane).toEqual({
      rpcConfigs: { "mmesh.ExamplePredictor/predict": { idExtractionPath: [1], vModelId: false } },
      allowOtherRpcs: false,
    });
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{");
    expect(errors({ MM_DATAPLANE_CONFIG_PATH: bad })[0]).toMatch(/bad\.json: is not valid JSON/);
    expect(errors({ MM_DATAPLANE_CONFIG_PATH: join(dir, "missing.json") })[0]).toMatch(/cannot read/);
  });

  it("freezes the result", () => {
    const config = ok({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.transport)).toBe(true);
  });

  it("prints help listing every option", () => {
    const result = loadConfig({ env: {}, argv: ["--help"] });
    expect(result.kind).toBe("help");
    if (result.kind === "help") {
      expect(result.text).toContain("--port  MM_SVC_GRPC_PORT | TAS_SVC_GRPC_PORT (default 8033)");
      expect(result.text).toContain("KV_STORE");
    }
  });

  it("reads type constraints inline or from a file, and reports every problem", () => {
    expect(ok({}).typeConstraints).toEqual({ kind: "none" });
    expect(ok({ MM_TYPE_CONSTRAINTS: '{"tf": {"required": ["gpu"]}}' }).typeConstraints).toEqual({
      kind: "inline",
      constraints: { tf: { required: ["gpu"], preferred: [] } },
    });
    const dir = mkdtempSync(join(tmpdir(), "mm-tc-"));
    const good = join(dir, "tc.json");
    writeFileSync(good, '{"_default": {"preferred": ["cpu"]}}');
    expect(ok({ MM_TYPE_CONSTRAINTS_PATH: good }).typeConstraints).toEqual({ kind: "file", path: good });
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{nope");
    const problems = errors({
      MM_TYPE_CONSTRAINTS: "[1]",
      MM_TYPE_CONSTRAINTS_PATH: bad,
      MM_SVC_GRPC_PORT: "x",
    });
    expect(problems.some((e) => /MM_TYPE_CONSTRAINTS.*JSON object/.test(e))).toBe(true);
    expect(problems.some((e) => /MM_SVC_GRPC_PORT/.test(e))).toBe(true);
    expect(errors({ MM_TYPE_CONSTRAINTS_PATH: bad })[0]).toMatch(
      /bad\.json: type constraints are not valid JSON/,
    );
    expect(
      errors({ MM_TYPE_CONSTRAINTS: "{}", MM_TYPE_CONSTRAINTS_PATH: good }).some((e) =>
        /mutually exclusive/.test(e),
      ),
    ).toBe(true);
  });
});

describe("runtime keep-alive and instance id limits", () => {
  it("pings the runtime every 10 s, allowing 5 s, by default; env and flags change it; 0 turns it off", () => {
    expect(ok({}).runtime).toMatchObject({ keepAliveIntervalMs: 10_000, keepAliveTimeoutMs: 5000 });
    expect(
      ok({ MM_RUNTIME_KEEPALIVE_INTERVAL_MS: "0" }, ["--runtime-keepalive-timeout-ms=700"]).runtime,
    ).toMatchObject({ keepAliveIntervalMs: 0, keepAliveTimeoutMs: 700 });
  });

  it("reports invalid keep-alive values and an instance id over 256 bytes together", () => {
    const found = errors({
      MM_RUNTIME_KEEPALIVE_INTERVAL_MS: "5",
      MM_RUNTIME_KEEPALIVE_TIMEOUT_MS: "0",
      MM_INSTANCE_ID: "i".repeat(257),
    });
    expect(found).toEqual(
      expect.arrayContaining([
        'MM_RUNTIME_KEEPALIVE_INTERVAL_MS="5": must be 0 (none) or at least 10',
        'MM_RUNTIME_KEEPALIVE_TIMEOUT_MS="0": must be between 10 and 600000',
        `MM_INSTANCE_ID=${JSON.stringify("i".repeat(257))}: is 257 bytes, more than the limit of 256`,
      ]),
    );
  });
});
