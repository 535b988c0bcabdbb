import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMeshStore, createStoreLayout, type MeshStore, noopLogger } from "@modelmesh/core";
import { openEmbeddedStore } from "@modelmesh/store-embedded";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScaleUpThreshold } from "../../src/cluster/scale-up-threshold.js";

describe("ScaleUpThreshold (real embedded store)", () => {
  let dir: string;
  let store: MeshStore;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mm-threshold-"));
    store = createMeshStore({
      kv: await openEmbeddedStore({ dir }),
      layout: createStoreLayout({ serviceName: "threshold-test" }),
    });
  });
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("defaults to 2000, or MM_SCALEUP_RPM_THRESHOLD", () => {
    expect(new ScaleUpThreshold(undefined, noopLogger).rpm).toBe(2000);
    expect(new ScaleUpThreshold(500, noopLogger).rpm).toBe(500);
  });

  it("follows config/scaleup_rpm_threshold; values below 10 or not whole numbers revert", async () => {
    const threshold = new ScaleUpThreshold(500, noopLogger);
    const config = store.config();
    await threshold.follow(config);
    try {
      expect(threshold.rpm).toBe(500);
      const steps: ReadonlyArray<[string, number]> = [
        ["40", 40],
        ["9", 500],
        ["1200", 1200],
        ["lots", 500],
      ];
      for (const [value, expected] of steps) {
        await config.update("scaleup_rpm_threshold", () => ({ put: value }));
        await waitUntil(() => threshold.rpm === expected, {
          timeoutMs: 10_000,
          description: `${value} → ${expected}`,
        });
      }
      await config.update("scaleup_rpm_threshold", () => ({ put: "75" }));
      await waitUntil(() => threshold.rpm === 75, { timeoutMs: 10_000 });
      await config.update("scaleup_rpm_threshold", (current) =>
        current === undefined ? undefined : { delete: true },
      );
      await waitUntil(() => threshold.rpm === 500, { timeoutMs: 10_000, description: "deleted → static" });
    } finally {
      threshold.close();
    }
  });
});
