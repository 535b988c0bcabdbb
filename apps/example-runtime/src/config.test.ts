import { describe, expect, it } from "vitest";
import { parseRuntimeConfig, shippedModelsDir } from "./config.js";

describe("parseRuntimeConfig()", () => {
  it("gives the original's defaults", () => {
    const result = parseRuntimeConfig([], {});
    expect(result).toMatchObject({
      ok: true,
      config: {
        listen: [{ t: "tcp", port: 8085 }],
        host: "127.0.0.1",
        modelsDir: shippedModelsDir,
        capacityBytes: 1024 ** 3,
        defaultModelSizeBytes: 50 * 1024 ** 2,
        loadingConcurrency: 6,
        loadTimeoutMs: 90_000,
        startDelayMs: 0,
        status: "ready",
        maxConcurrency: 0,
        allowAnyMethod: false,
        unloadReturnNotFound: false,
        notFoundBehaviour: "grpc",
      },
    });
  });

  const cases: { name: string; argv: string[]; env?: Record<string, string>; expected: object }[] = [
    {
      name: "port and socket together",
      argv: ["--port=9000", "--socket", "/tmp/x.sock"],
      expected: {
        listen: [
          { t: "tcp", port: 9000 },
          { t: "uds", path: "/tmp/x.sock" },
        ],
      },
    },
    {
      name: "a separate serving socket",
      argv: ["--serving-socket", "/tmp/s.sock"],
      expected: { serving: { t: "uds", path: "/tmp/s.sock" } },
    },
    {
      name: "env knobs of the original",
      argv: [],
      env: { RS_ALLOW_ANY: "true", UNLOAD_RETURN_NOT_FOUND: "true", TRITON_NOT_FOUND_BEHAVIOUR: "true" },
      expected: { allowAnyMethod: true, unloadReturnNotFound: true, notFoundBehaviour: "triton" },
    },
    {
      name: "flags win over env",
      argv: ["--capacity-bytes", "1000"],
      env: { RS_CAPACITY_BYTES: "5" },
      expected: { capacityBytes: 1000 },
    },
    {
      name: "method infos",
      argv: ["--method-infos", "mmesh.ExamplePredictor/predict=1;other.S/m="],
      expected: { methodInfos: { "mmesh.ExamplePredictor/predict": [1], "other.S/m": [] } },
    },
    {
      name: "values the mesh will reject are still reported",
      argv: ["--loading-concurrency", "0", "--load-timeout-ms", "5"],
      expected: { loadingConcurrency: 0, loadTimeoutMs: 5 },
    },
    {
      name: "a switch given false",
      argv: ["--mlserver-not-found=false"],
      env: { MLSERVER_NOT_FOUND_BEHAVIOUR: "true" },
      expected: { notFoundBehaviour: "grpc" },
    },
  ];
  for (const c of cases) {
    it(`reads ${c.name}`, () => {
      const result = parseRuntimeConfig(c.argv, c.env ?? {});
      expect(result.ok && result.config).toMatchObject(c.expected);
    });
  }

  it("reports every problem at once", () => {
    const result = parseRuntimeConfig(
      [
        "--bogus",
        "--port",
        "x",
        "--status",
        "sleepy",
        "--triton-not-found",
        "--mlserver-not-found",
        "--method-infos",
        "=1",
      ],
      {},
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toEqual([
      'unknown argument "--bogus" (see --help)',
      '--port must be a whole number ≥ 0, got "x"',
      '--status must be ready or failing, got "sleepy"',
      'method infos entry "=1" must look like "pkg.Service/method=1,2"',
      "give at most one of --triton-not-found and --mlserver-not-found",
    ]);
  });

  it("needs a value after a flag", () => {
    expect(parseRuntimeConfig(["--port"], {})).toEqual({ ok: false, errors: ["--port needs a value"] });
  });
});
