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

  it("reads mm-balanced and mm-required", () => {
    expect(read("mm-model-id", "m")).toMatchObject({ balanced: false, requireAll: false });
    expect(read("mm-model-id", "m", "mm-balanced", "TRUE", "mm-required", "all")).toMatchObject({
      balanced: true,
      requireAll: true,
    });
  });
});
