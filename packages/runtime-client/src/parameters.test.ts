import { create } from "@bufbuild/protobuf";
import { RuntimeStatusResponse_Status, RuntimeStatusResponseSchema } from "@modelmesh/proto";
import { describe, expect, it } from "vitest";
import { methodPolicy, minimumCapacityUnits, readRuntimeParameters } from "./parameters.js";

const MIB = 1024n * 1024n;
const ready = (fields: object = {}) =>
  create(RuntimeStatusResponseSchema, {
    status: RuntimeStatusResponse_Status.READY,
    capacityInBytes: 1024n * MIB,
    defaultModelSizeInBytes: 50n * MIB,
    maxLoadingConcurrency: 6,
    modelLoadingTimeoutMs: 90_000,
    runtimeVersion: "v1",
    ...fields,
  });

describe("readRuntimeParameters()", () => {
  it("reads a valid answer, in bytes and units", () => {
    const result = readRuntimeParameters(ready());
    expect(result).toMatchObject({
      ok: true,
      parameters: {
        capacityBytes: 1024 * 1024 * 1024,
        capacityUnits: 131_072,
        defaultModelSizeBytes: 50 * 1024 * 1024,
        defaultModelSizeUnits: 6400,
        loadingConcurrency: 6,
        loadTimeoutMs: 90_000,
        allowAnyMethod: true,
        limitModelConcurrency: false,
        runtimeVersion: "v1",
      },
    });
  });

  it("reports every violation at once", () => {
    const result = readRuntimeParameters(
      ready({
        capacityInBytes: 1000n,
        defaultModelSizeInBytes: 100n,
        maxLoadingConcurrency: 0,
        modelLoadingTimeoutMs: 50,
      }),
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toEqual([
      "defaultModelSizeInBytes must be at least 1 unit (8192 bytes), got 100",
      "capacityInBytes must be at least 81920 bytes (max(2 × default, min(512 MiB, 10 × default)) for a default model size of 100 bytes), got 1000",
      "maxLoadingConcurrency must be at least 1, got 0",
      "modelLoadingTimeoutMs must be at least 100, got 50",
    ]);
  });

  it("accepts exactly the minimum capacity", () => {
    // 50 MiB default: min(512 MiB, 500 MiB) = 500 MiB.
    expect(readRuntimeParameters(ready({ capacityInBytes: 500n * MIB })).ok).toBe(true);
    expect(readRuntimeParameters(ready({ capacityInBytes: 500n * MIB - 1n })).ok).toBe(false);
  });
});

describe("minimumCapacityUnits()", () => {
  const cases: [number, number][] = [
    [1, 10],
    [6400, 64_000],
    [10_000, 65_536],
    [40_000, 80_000],
  ];
  for (const [defaultUnits, expected] of cases) {
    it(`is ${expected} units for a default of ${defaultUnits}`, () =>
      expect(minimumCapacityUnits(defaultUnits)).toBe(expected));
  }
});

describe("methodPolicy()", () => {
  const listed = readRuntimeParameters(
    ready({
      methodInfos: { "a.S/inject": { idInjectionPath: [1, 2] }, "a.S/plain": { idInjectionPath: [] } },
    }),
  );
  const anyToo = readRuntimeParameters(
    ready({ methodInfos: { "a.S/inject": { idInjectionPath: [1] } }, allowAnyMethod: true }),
  );
  const none = readRuntimeParameters(ready());
  if (!listed.ok || !anyToo.ok || !none.ok) throw new Error("fixtures must be valid");

  const cases = [
    {
      name: "a listed method with a path",
      p: listed.parameters,
      method: "a.S/inject",
      expected: { t: "allowed", idInjectionPath: [1, 2] },
    },
    {
      name: "a listed method without a path",
      p: listed.parameters,
      method: "a.S/plain",
      expected: { t: "allowed", idInjectionPath: [] },
    },
    {
      name: "an unlisted method",
      p: listed.parameters,
      method: "a.S/other",
      expected: { t: "denied", message: "Method not found or not permitted: a.S/other" },
    },
    {
      name: "an unlisted method with allowAnyMethod",
      p: anyToo.parameters,
      method: "a.S/other",
      expected: { t: "allowed", idInjectionPath: [] },
    },
    {
      name: "any method without methodInfos",
      p: none.parameters,
      method: "x.Y/z",
      expected: { t: "allowed", idInjectionPath: [] },
    },
    {
      name: "the management service",
      p: none.parameters,
      method: "mmesh.ModelRuntime/unloadModel",
      expected: { t: "denied", message: "Method not found or not permitted: mmesh.ModelRuntime/unloadModel" },
    },
    {
      name: "the management service in another case",
      p: none.parameters,
      method: "mmesh.modelRuntime/runtimeStatus",
      expected: {
        t: "denied",
        message: "Method not found or not permitted: mmesh.modelRuntime/runtimeStatus",
      },
    },
    {
      name: "a doubled slash before the management service",
      p: none.parameters,
      method: "/mmesh.ModelRuntime/unloadModel",
      expected: {
        t: "denied",
        message: "Method not found or not permitted: /mmesh.ModelRuntime/unloadModel",
      },
    },
    {
      name: "a method with a query",
      p: none.parameters,
      method: "x.Y/z?a=b",
      expected: { t: "denied", message: "Method not found or not permitted: x.Y/z?a=b" },
    },
  ];
  for (const c of cases)
    it(`handles ${c.name}`, () => expect(methodPolicy(c.p, c.method)).toEqual(c.expected));
});
