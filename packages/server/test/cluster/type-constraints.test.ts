import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { InstanceRecord } from "@modelmesh/core";
import { noopLogger } from "@modelmesh/core";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { describe, expect, it } from "vitest";
import { parseTypeConstraints, TypeConstraints } from "../../src/cluster/type-constraints.js";
import { watchTypeConstraintsFile } from "../../src/cluster/type-constraints-file.js";

function instance(labels: string[], shutdown = false): InstanceRecord {
  return {
    startTimeMs: 0,
    version: 0,
    labels,
    lruTimeMs: 0,
    count: 0,
    capacityUnits: 1000,
    usedUnits: 0,
    loadingThreads: 2,
    loadsInProgress: 0,
    rpm: 0,
    shutdown,
    extra: {},
  };
}

const instances = new Map<string, InstanceRecord>([
  ["gpu-1", instance(["gpu", "fast"])],
  ["gpu-2", instance(["gpu"])],
  ["cpu-1", instance(["cpu"])],
  ["gone", instance(["gpu"], true)],
]);

describe("parseTypeConstraints()", () => {
  it("normalises labels: sorted, deduplicated, preferred minus required", () => {
    const config = parseTypeConstraints(
      '{"tf": {"required": ["gpu", " b ", "gpu"], "preferred": ["gpu", "fast"]}, "_default": {}}',
    );
    expect(config.tf).toEqual({ required: ["b", "gpu"], preferred: ["fast"] });
    expect(config._default).toEqual({ required: [], preferred: [] });
  });

  const invalid: ReadonlyArray<[string, string]> = [
    ["not JSON", "{"],
    ["an array", "[]"],
    ["an entry that is not an object", '{"tf": 3}'],
    ["labels that are not strings", '{"tf": {"required": [1]}}'],
  ];
  it.each(invalid)("rejects %s", (_name, json) => {
    expect(() => parseTypeConstraints(json)).toThrow(/type constraints/);
  });
});

describe("TypeConstraints", () => {
  it("allows the instances with every required label; unconstrained types anywhere", () => {
    const constraints = new TypeConstraints(parseTypeConstraints('{"tf": {"required": ["gpu"]}}'));
    constraints.setInstances(instances);
    expect([...(constraints.allowedInstances("tf") ?? [])].sort()).toEqual(["gpu-1", "gpu-2"]);
    expect(constraints.allowedInstances("other")).toBeUndefined();
    expect(constraints.requiredLabels("tf")).toEqual(["gpu"]);
    expect(constraints.allows("tf", "cpu-1")).toBe(false);
  });

  it("applies _default to types without an entry", () => {
    const constraints = new TypeConstraints(
      parseTypeConstraints('{"_default": {"required": ["cpu"]}, "tf": {"required": ["gpu"]}}'),
    );
    constraints.setInstances(instances);
    expect([...(constraints.allowedInstances("sklearn") ?? [])]).toEqual(["cpu-1"]);
  });

  it("prefers instances with any preferred label", () => {
    const constraints = new TypeConstraints(parseTypeConstraints('{"tf": {"preferred": ["fast"]}}'));
    constraints.setInstances(instances);
    expect(constraints.preferredInstances("tf")?.has("gpu-1")).toBe(true);
    expect(constraints.preferredInstances("tf")?.has("gpu-2")).toBe(false);
  });

  it("infers a preference for the least special instances when none is configured", () => {
    // tf needs a gpu, so the cpu instance (where tf is prohibited) is where other types go first.
    const constraints = new TypeConstraints(parseTypeConstraints('{"tf": {"required": ["gpu"]}}'));
    constraints.setInstances(instances);
    const preferred = constraints.preferredInstances("sklearn");
    expect(preferred?.has("cpu-1")).toBe(true);
    expect(preferred?.has("gpu-1")).toBe(false);
  });

  it("has no preference and no constraint without a configuration", () => {
    const constraints = new TypeConstraints();
    constraints.setInstances(instances);
    expect(constraints.allowedInstances("tf")).toBeUndefined();
    expect(constraints.preferredInstances("tf")).toBeUndefined();
  });

  it("follows a replaced configuration", () => {
    const constraints = new TypeConstraints();
    constraints.setInstances(instances);
    expect(constraints.allowedInstances("tf")).toBeUndefined();
    constraints.setConfig(parseTypeConstraints('{"tf": {"required": ["cpu"]}}'));
    expect([...(constraints.allowedInstances("tf") ?? [])]).toEqual(["cpu-1"]);
  });
});

describe("watchTypeConstraintsFile()", () => {
  it("hands over each changed, valid file and keeps the last good one on a bad file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mm-type-constraints-"));
    const path = join(dir, "constraints.json");
    writeFileSync(path, '{"tf": {"required": ["gpu"]}}');
    const seen: string[] = [];
    const stop = watchTypeConstraintsFile(path, (config) => seen.push(JSON.stringify(config)), noopLogger);
    try {
      writeFileSync(path, "{ not json");
      writeFileSync(path, '{"tf": {"required": ["cpu"]}}');
      await waitUntil(() => seen.length > 0, { timeoutMs: 10_000, description: "reload seen" });
      expect(seen.at(-1)).toBe('{"tf":{"required":["cpu"],"preferred":[]}}');
    } finally {
      stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
