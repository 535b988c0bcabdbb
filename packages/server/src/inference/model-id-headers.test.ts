import { describe, expect, it } from "vitest";
import { headerValuesFromRaw, readRequestedModels } from "./model-id-headers.js";

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const read = (...raw: string[]) => readRequestedModels(headerValuesFromRaw(raw));

describe("readRequestedModels()", () => {
  it.each([
    [["mm-model-id", "m1"], { ids: ["m1"], isVModel: false }],
    [["mm-model-id-bin", b64("modèle")], { ids: ["modèle"], isVModel: false }],
    [["mm-vmodel-id", "v1"], { ids: ["v1"], isVModel: true }],
    [["mm-vmodel-id-bin", `${b64("a")},${b64("b")}`], { ids: ["a", "b"], isVModel: true }],
    [["tas-model-id", "legacy"], { ids: ["legacy"], isVModel: false }],
    [["mm-model-id", "a", "mm-model-id", "b", "mm-model-id", "c"], { ids: ["a", "b", "c"], isVModel: false }],
    [["mm-model-id", "plain", "mm-model-id-bin", b64("ignored")], { ids: ["plain"], isVModel: false }],
    [["MM-Model-Id", "case"], { ids: ["case"], isVModel: false }],
  ])("%j → %j", (raw, expected) => {
    expect(read(...raw)).toMatchObject(expected);
  });

  it.each([
    [[], "must include mm-model-id header"],
    [["mm-model-id", "a", "mm-vmodel-id", "b"], "must include only one of model id and vmodel id"],
    [["mm-model-id", ""], "provided model-id header must be non-empty"],
    [["mm-vmodel-id", "x", "mm-vmodel-id", ""], "provided vmodel-id header must be non-empty"],
  ])("%j → INVALID_ARGUMENT %s", (raw, message) => {
    expect(() => read(...raw)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT", message }));
  });

  it.each([
    [
      "a long mm-model-id",
      ["mm-model-id", "m".repeat(1025)],
      "mm-model-id header is 1025 bytes, more than the limit of 1024 bytes",
    ],
    [
      "a long mm-model-id-bin (bytes, not characters)",
      ["mm-model-id-bin", b64("é".repeat(513))],
      "mm-model-id header is 1026 bytes, more than the limit of 1024 bytes",
    ],
    [
      "a long mm-vmodel-id",
      ["mm-vmodel-id", "v".repeat(1025)],
      "mm-vmodel-id header is 1025 bytes, more than the limit of 1024 bytes",
    ],
    [
      "a long tas-model-id",
      ["tas-model-id", "t".repeat(1025)],
      "mm-model-id header is 1025 bytes, more than the limit of 1024 bytes",
    ],
    [
      "257 models",
      ["mm-model-id-bin", Array.from({ length: 257 }, (_, i) => b64(`m${i}`)).join(",")],
      "mm-model-id header names 257 models, more than the limit of 256",
    ],
  ])("refuses %s with INVALID_ARGUMENT", (_name, raw, message) => {
    expect(() => read(...raw)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT", message }));
  });

  it("accepts ids at the limits", () => {
    expect(read("mm-model-id", "m".repeat(1024)).ids).toEqual(["m".repeat(1024)]);
    const many = Array.from({ length: 256 }, (_, i) => `m${i}`);
    expect(read("mm-model-id-bin", many.map(b64).join(",")).ids).toEqual(many);
  });

  it("reads mm-balanced and mm-required", () => {
    expect(read("mm-model-id", "m")).toMatchObject({ balanced: false, requireAll: false });
    expect(read("mm-model-id", "m", "mm-balanced", "TRUE", "mm-required", "all")).toMatchObject({
      balanced: true,
      requireAll: true,
    });
  });
});
