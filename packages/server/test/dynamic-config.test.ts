import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMeshStore, createStoreLayout, type MeshStore } from "@modelmesh/core";
import { createRecordingLogger, eventually } from "@modelmesh/core/store-contract";
import { openEmbeddedStore } from "@modelmesh/store-embedded";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DynamicConfig, type MeshLogLevel } from "../src/tasks/dynamic-config.js";

// The dynamic config keys through a real (embedded) store: values present at start, changes,
// deletions and invalid values.
describe("DynamicConfig", () => {
  let dir: string;
  let store: MeshStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "mm-dynamic-config-"));
    store = createMeshStore({
      kv: await openEmbeddedStore({ dir }),
      layout: createStoreLayout({ serviceName: "dc" }),
    });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const set = (key: string, value: string | undefined) =>
    store.config().update(key, () => (value === undefined ? { delete: true } : { put: value }));

  function follow(staticLogEach = false, withLevel = true) {
    const levels: (MeshLogLevel | undefined)[] = [];
    const logEach: boolean[] = [];
    const logger = createRecordingLogger();
    const config = new DynamicConfig({
      staticLogEachInvocation: staticLogEach,
      logger,
      targets: {
        setLogEachInvocation: (enabled) => logEach.push(enabled),
        ...(withLevel ? { setLogLevel: (level: MeshLogLevel | undefined) => levels.push(level) } : {}),
      },
    });
    return { config, levels, logEach, logger };
  }

  it("applies the values the store holds at start, then follows changes and deletions", async () => {
    await set("logger_level", "Debug");
    await set("log_each_invocation", "TRUE");
    const { config, levels, logEach } = follow();
    await config.start(store.config());
    expect(levels).toEqual(["debug"]);
    expect(logEach).toEqual([true]);
    await set("logger_level", "warning");
    await eventually(() => expect(levels).toEqual(["debug", "warn"]));
    await set("logger_level", undefined);
    await set("log_each_invocation", undefined);
    await eventually(() => expect(levels).toEqual(["debug", "warn", undefined]));
    await eventually(() => expect(logEach).toEqual([true, false]));
    config.close();
  });

  it("changes nothing at start when the keys are absent; invalid values fall back with a warning", async () => {
    const { config, levels, logEach, logger } = follow(true);
    await config.start(store.config());
    expect(levels).toEqual([]);
    expect(logEach).toEqual([true]);
    await set("logger_level", "chatty");
    await set("log_each_invocation", "yes");
    await eventually(() => expect(levels).toEqual([undefined]));
    await eventually(() => expect(logEach).toEqual([true, true]));
    expect(logger.lines.filter((l) => l.level === "warn").map((l) => l.fields.value)).toEqual(
      expect.arrayContaining(["chatty", "yes"]),
    );
    config.close();
  });

  it("ignores logger_level when the host cannot change its level", async () => {
    await set("logger_level", "debug");
    const { config, logger } = follow(false, false);
    await config.start(store.config());
    expect(logger.lines.filter((l) => l.fields.key === "logger_level")).toEqual([]);
    config.close();
  });

  const disableCases: [string, boolean][] = [
    ["false", false],
    [" FALSE ", false],
    ["true", true],
    ["", true],
    ["maintenance", true],
  ];
  for (const [value, refused] of disableCases) {
    it(`${refused ? "refuses" : "allows"} a start with disable=${JSON.stringify(value)}`, async () => {
      await set("disable", value);
      const { config } = follow();
      const start = config.start(store.config());
      if (refused) await expect(start).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
      else await start;
      config.close();
    });
  }
});
