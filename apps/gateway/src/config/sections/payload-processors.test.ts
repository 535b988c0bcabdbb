import { describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";

describe("payload processors config", () => {
  it("has none by default, with the original's queue defaults", () => {
    const result = loadConfig({ env: {}, argv: [] });
    if (result.kind !== "ok") throw new Error(JSON.stringify(result));
    expect(result.config.payloadProcessors).toEqual({ processors: [], capacity: 64, workers: 2 });
  });

  it("parses every URI with its filter, and no longer warns that the option is ignored", () => {
    const result = loadConfig({
      env: {
        MM_PAYLOAD_PROCESSORS:
          "logger://*  http://127.0.0.1:9/sink?vmodel=v1#predict\thttps://h.example/p?m1",
        MM_PAYLOAD_PROCESSORS_CAPACITY: "5",
      },
      argv: ["--payload-processors-threads=3"],
    });
    if (result.kind !== "ok") throw new Error(JSON.stringify(result));
    expect(result.warnings.join("\n")).not.toContain("MM_PAYLOAD_PROCESSORS");
    expect(result.config.payloadProcessors).toEqual({
      processors: [
        { kind: "logger", uri: "logger://*", filter: {} },
        {
          kind: "http",
          uri: "http://127.0.0.1:9/sink?vmodel=v1#predict",
          url: "http://127.0.0.1:9/sink?vmodel=v1",
          filter: { vModelId: "v1", method: "predict" },
        },
        {
          kind: "http",
          uri: "https://h.example/p?m1",
          url: "https://h.example/p?m1",
          filter: { anyId: "m1" },
        },
      ],
      capacity: 5,
      workers: 3,
    });
  });

  it("reports every invalid URI and queue value at once", () => {
    const result = loadConfig({
      env: {
        MM_PAYLOAD_PROCESSORS: "kafka://broker/topic logger://ok http:// not-a-uri",
        MM_PAYLOAD_PROCESSORS_CAPACITY: "0",
        MM_PAYLOAD_PROCESSORS_THREADS: "many",
      },
      argv: [],
    });
    if (result.kind !== "invalid") throw new Error(`expected invalid, got ${result.kind}`);
    const text = result.errors.join("\n");
    expect(text).toContain('MM_PAYLOAD_PROCESSORS: "kafka://broker/topic": unknown processor scheme "kafka"');
    expect(text).toContain('MM_PAYLOAD_PROCESSORS: "http://" is not a valid URI');
    expect(text).toContain('MM_PAYLOAD_PROCESSORS: "not-a-uri" is not a valid URI');
    expect(text).toContain("MM_PAYLOAD_PROCESSORS_CAPACITY");
    expect(text).toContain("MM_PAYLOAD_PROCESSORS_THREADS");
    expect(result.errors).toHaveLength(5);
  });
});
