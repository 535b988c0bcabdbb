import { describe, expect, it } from "vitest";
import { duplicateJsonKeys } from "../test/json-keys.js";
import { createRootLogger, LiveLogLevel, toLoggerPort } from "./logging.js";

function capture(level: LiveLogLevel = new LiveLogLevel("info")) {
  const lines: string[] = [];
  const root = createRootLogger({ write: (line: string) => lines.push(line) });
  const logger = toLoggerPort(root, { level, base: { instanceId: "i-1", service: "svc" } });
  return { lines, logger, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe("toLoggerPort()", () => {
  it("writes each field once when a child binds a field again", () => {
    const { lines, logger, parsed } = capture();
    const mesh = logger.child({ component: "model-mesh", instanceId: "i-1" });
    mesh.info({ modelId: "m" }, "hello");
    expect(lines.map(duplicateJsonKeys)).toEqual([[]]);
    expect(parsed()[0]).toMatchObject({
      instanceId: "i-1",
      service: "svc",
      component: "model-mesh",
      msg: "hello",
    });
  });

  it("replaces a bound field by a child's or a line's other value, once", () => {
    const { lines, logger, parsed } = capture();
    const call = logger.child({ modelId: "a" }).child({ modelId: "b" });
    call.info({}, "child");
    call.info({ modelId: "c", instanceId: "other" }, "line");
    expect(lines.map(duplicateJsonKeys)).toEqual([[], []]);
    expect(parsed().map((l) => [l.modelId, l.instanceId])).toEqual([
      ["b", "i-1"],
      ["c", "other"],
    ]);
  });

  it("renames fields named like pino's own keys", () => {
    const { lines, logger, parsed } = capture();
    logger.child({ msg: "bound" }).warn({ level: "debug", time: 1 }, "reserved");
    expect(lines.map(duplicateJsonKeys)).toEqual([[]]);
    expect(parsed()[0]).toMatchObject({
      level: "warn",
      msg: "reserved",
      _level: "debug",
      _time: 1,
      _msg: "bound",
    });
  });

  it("follows a live level change in loggers made before it", () => {
    const level = new LiveLogLevel("info");
    const { logger, parsed } = capture(level);
    const child = logger.child({ component: "x" });
    child.debug({}, "hidden");
    expect(child.isDebugEnabled()).toBe(false);
    level.set("debug");
    child.debug({}, "shown");
    expect(child.isDebugEnabled()).toBe(true);
    level.set("error");
    child.warn({}, "hidden too");
    level.set(undefined);
    expect(level.level).toBe("info");
    child.info({}, "back");
    expect(parsed().map((l) => l.msg)).toEqual(["shown", "back"]);
  });
});
