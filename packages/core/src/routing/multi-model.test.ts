import { describe, expect, it } from "vitest";
import { MeshError } from "../errors.js";
import { combineMultiModel, type ModelCallResult, multiModelFailureAction } from "./multi-model.js";

const ok = (value: string): ModelCallResult<string> => ({ kind: "ok", value });
const notFound: ModelCallResult<string> = {
  kind: "failed",
  error: new MeshError("MODEL_NOT_FOUND", "model not found"),
};
const internal: ModelCallResult<string> = { kind: "failed", error: new MeshError("INTERNAL", "boom") };

describe("multi-model requests (§2.10)", () => {
  it("skips models that are not found unless all are required", () => {
    expect(multiModelFailureAction(new MeshError("MODEL_NOT_FOUND", "x"), "any")).toBe("skip");
    expect(multiModelFailureAction(new MeshError("MODEL_NOT_FOUND", "x"), "all")).toBe("fail");
    expect(multiModelFailureAction(new MeshError("INTERNAL", "x"), "any")).toBe("fail");
  });

  it("keeps the responses in header order", () => {
    expect(combineMultiModel([ok("1"), notFound, ok("3")], "any")).toEqual({
      kind: "ok",
      values: ["1", "3"],
    });
  });

  it("fails with the first failure that is not a skipped not-found", () => {
    expect(combineMultiModel([ok("1"), notFound, internal], "any")).toEqual(internal);
    expect(combineMultiModel([ok("1"), notFound, internal], "all")).toEqual(notFound);
  });

  it("answers NOT_FOUND when none of the models was found", () => {
    const result = combineMultiModel([notFound, notFound], "any");
    expect(result.kind === "failed" && [result.error.code, result.error.message]).toEqual([
      "MODEL_NOT_FOUND",
      "none of the requested models were found",
    ]);
  });
});
