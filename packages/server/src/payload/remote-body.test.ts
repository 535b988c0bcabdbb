import { describe, expect, it } from "vitest";
import { remotePayloadBody } from "./remote-body.js";

describe("remotePayloadBody()", () => {
  it("has the original's fields, in its order", () => {
    const body = remotePayloadBody({
      id: "i-7",
      kind: "response",
      modelId: "m1",
      vModelId: "v1",
      method: "mmesh.ExamplePredictor/predict",
      metadata: { foo: "bar", "binary-bin": "c3RyaW5n", "short-bin": "AQI" },
      data: new Uint8Array([1, 2, 3]),
      status: "INVALID_ARGUMENT",
    });
    expect(JSON.stringify(body)).toBe(
      '{"id":"i-7","modelid":"m1","vModelId":"v1","data":"AQID","kind":"response","status":"INVALID_ARGUMENT",' +
        '"metadata":{"foo":"bar","binary-bin":"c3RyaW5n","short-bin":"AQI="}}',
    );
  });

  it("writes a request without vmodel and data as null and empty strings", () => {
    const body = remotePayloadBody({
      id: "i-8",
      kind: "request",
      modelId: "m1",
      vModelId: undefined,
      method: "m",
      metadata: {},
      data: undefined,
      status: undefined,
    });
    expect(body).toEqual({
      id: "i-8",
      modelid: "m1",
      vModelId: null,
      data: "",
      kind: "request",
      status: "",
      metadata: {},
    });
  });
});
