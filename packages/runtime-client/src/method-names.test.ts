import { describe, expect, it } from "vitest";
import {
  forbiddenMethodMessage,
  isRuntimeManagementMethod,
  isWellFormedMethod,
  notPermittedMessage,
} from "./method-names.js";

describe("isWellFormedMethod()", () => {
  it.each([
    "mmesh.ExamplePredictor/predict",
    "inference.GRPCInferenceService/ModelInfer",
    "a/b",
    "a-b.c_d/E9",
  ])("accepts %s", (method) => expect(isWellFormedMethod(method)).toBe(true));
  it.each([
    "",
    "predict",
    "/a.B/c",
    "a.B/c/",
    "a.B//c",
    "a.B/c?x=1",
    "a.B/c#f",
    "a.B%2Fc",
    "a.B/c d",
    "a.B/ç",
    "a.B/c\u0000",
  ])("refuses %j", (method) => expect(isWellFormedMethod(method)).toBe(false));
});

describe("isRuntimeManagementMethod()", () => {
  it.each([
    "mmesh.ModelRuntime/unloadModel",
    "MMESH.MODELRUNTIME/loadModel",
    "mmesh.modelruntime",
    "mmesh.ModelRuntime/",
  ])("is true for %s", (method) => expect(isRuntimeManagementMethod(method)).toBe(true));
  it.each([
    "mmesh.ExamplePredictor/predict",
    "mmesh.ModelRuntimeX/loadModel",
    "x.mmesh.ModelRuntime/loadModel",
  ])("is false for %s", (method) => expect(isRuntimeManagementMethod(method)).toBe(false));
});

describe("forbiddenMethodMessage()", () => {
  it("lets a plain inference method through", () => {
    expect(forbiddenMethodMessage("mmesh.ExamplePredictor/predict")).toBeUndefined();
  });
  it("refuses management methods and malformed names with the original's message", () => {
    expect(forbiddenMethodMessage("mmesh.ModelRuntime/runtimeStatus")).toBe(
      "Method not found or not permitted: mmesh.ModelRuntime/runtimeStatus",
    );
    expect(forbiddenMethodMessage("/mmesh.ModelRuntime/runtimeStatus")).toMatch(/^Method not found/);
  });
  it("cuts a long method name in the message", () => {
    const message = notPermittedMessage(`a.B/${"c".repeat(10_000)}`);
    expect(message.length).toBeLessThan(400);
    expect(message.endsWith("… (truncated)")).toBe(true);
  });
});
