import { describe, expect, it } from "vitest";
import { isVisibleAscii, runtimeRequestHeaders } from "./runtime-headers.js";

describe("runtimeRequestHeaders()", () => {
  it("drops what §2.5 drops, keeps the rest, and adds the model id", () => {
    const out = runtimeRequestHeaders(
      {
        ":path": "/mmesh.ExamplePredictor/predict",
        ":authority": "mesh:8033",
        "content-type": "application/grpc",
        "user-agent": "grpc-java/1.60",
        te: "trailers",
        "tas-model-id": "legacy",
        "grpc-timeout": "5S",
        "grpc-encoding": "gzip",
        "grpc-accept-encoding": "gzip,identity",
        "mm-model-id": "vmodel-or-model",
        "mm-balanced": "true",
        "x-trace-id": "abc",
        "custom-bin": "AAEC",
      },
      "model-1",
    );
    expect(out).toEqual({
      "content-type": "application/grpc",
      "grpc-encoding": "gzip",
      "grpc-accept-encoding": "gzip,identity",
      "x-trace-id": "abc",
      "custom-bin": "AAEC",
      "mm-model-id-bin": Buffer.from("model-1").toString("base64"),
      "mm-model-id": "model-1",
    });
  });

  it("sends only the -bin form for an id that is not visible ASCII", () => {
    const out = runtimeRequestHeaders({}, "modèle\n1");
    expect(out).toEqual({ "mm-model-id-bin": Buffer.from("modèle\n1", "utf8").toString("base64") });
  });
});

describe("isVisibleAscii()", () => {
  const cases: [string, boolean][] = [
    ["abc-123_~ ", true],
    ["", true],
    ["tab\there", false],
    ["é", false],
    ["\u007f", false],
  ];
  for (const [text, expected] of cases)
    it(`says ${expected} for ${JSON.stringify(text)}`, () => expect(isVisibleAscii(text)).toBe(expected));
});
