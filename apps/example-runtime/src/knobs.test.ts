import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { parseModelPath, parseTextCommand } from "./knobs.js";

describe("parseModelPath()", () => {
  const cases = [
    { path: "SIZE_1048576_200_50", expected: { t: "size", sizeBytes: 1048576, loadMs: 200, unloadMs: 50 } },
    { path: "FAIL_disk on fire", expected: { t: "fail", message: "disk on fire" } },
    { path: "SIZE_1_2", expected: { t: "file", path: "SIZE_1_2" } },
    { path: "sentiment", expected: { t: "file", path: "sentiment" } },
  ];
  for (const c of cases) {
    it(`reads ${c.path}`, () => expect(parseModelPath(c.path)).toEqual(c.expected));
  }
});

describe("parseTextCommand()", () => {
  const cases = [
    { text: "hello", expected: { t: "none" } },
    { text: "test:purge-models", expected: { t: "purge-models" } },
    { text: "test:delay:250", expected: { t: "delay", ms: 250 } },
    { text: "test:answer-bytes:1048576", expected: { t: "answer-bytes", bytes: 1048576 } },
    {
      text: "test:error:code=UNAVAILABLE:message=Fake: error",
      expected: { t: "error", code: Code.Unavailable, message: "Fake: error" },
    },
    { text: "test:error:code=5:message=", expected: { t: "error", code: Code.NotFound, message: "" } },
    { text: "test:error:code=OK:message=x", expected: { t: "invalid", reason: 'unknown gRPC code "OK"' } },
  ];
  for (const c of cases) {
    it(`reads ${JSON.stringify(c.text)}`, () => expect(parseTextCommand(c.text)).toEqual(c.expected));
  }

  it("refuses an answer size over the limit", () => {
    expect(parseTextCommand("test:answer-bytes:67108865")).toMatchObject({ t: "invalid" });
  });

  it("rejects an unknown test command", () => {
    expect(parseTextCommand("test:explode")).toMatchObject({ t: "invalid" });
  });
});
