import { describe, expect, it } from "vitest";
import { parsePayloadProcessors, parsePayloadProcessorUri } from "./processor-uri.js";

describe("parsePayloadProcessorUri()", () => {
  it("reads the original's documented example", () => {
    expect(parsePayloadProcessorUri("logger:///*?pytorch1234#predict")).toEqual({
      ok: true,
      value: {
        kind: "logger",
        uri: "logger:///*?pytorch1234#predict",
        filter: { anyId: "pytorch1234", method: "predict" },
      },
    });
  });

  it("posts http processors to the URI without its fragment", () => {
    const parsed = parsePayloadProcessorUri("https://sink.example:8443/consumer/kserve/v2?m1#predict");
    expect(parsed).toMatchObject({
      ok: true,
      value: { kind: "http", url: "https://sink.example:8443/consumer/kserve/v2?m1" },
    });
  });

  const bad: [string, string][] = [
    ["kafka://b/t", 'unknown processor scheme "kafka"'],
    ["http://", "is not a valid URI"],
    ["just-text", "is not a valid URI"],
  ];
  for (const [text, message] of bad) {
    it(`refuses ${text}`, () => {
      const parsed = parsePayloadProcessorUri(text);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.error).toContain(message);
    });
  }
});

describe("parsePayloadProcessors()", () => {
  it("splits on any whitespace and reports every bad entry", () => {
    const { specs, errors } = parsePayloadProcessors("  logger://\n http://h/p  ftp://x bad ");
    expect(specs.map((s) => s.kind)).toEqual(["logger", "http"]);
    expect(errors).toHaveLength(2);
  });
});
