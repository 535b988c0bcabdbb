import { describe, expect, it } from "vitest";
import { hasMeshErrorCode, isMeshError, MeshError } from "./errors.js";

describe("MeshError", () => {
  it("keeps code, message, details and cause", () => {
    const cause = new Error("socket closed");
    const error = new MeshError("LOAD_FAILED", "boom", { instanceId: "i1", cause });
    expect(error.code).toBe("LOAD_FAILED");
    expect(error.message).toBe("boom");
    expect(error.details).toEqual({ instanceId: "i1" });
    expect(error.cause).toBe(cause);
    expect(error.name).toBe("MeshError");
  });

  it.each([
    ["MODEL_NOT_HERE", true],
    ["INSTANCE_UNAVAILABLE", true],
    ["STORE_UNAVAILABLE", true],
    ["STORE_CONFLICT", true],
    ["MODEL_NOT_FOUND", false],
    ["LOAD_FAILED", false],
    ["INVALID_ARGUMENT", false],
  ] as const)("%s retryable = %s", (code, retryable) => {
    expect(new MeshError(code, "x").retryable).toBe(retryable);
  });
});

describe("MeshError.from()", () => {
  it("passes MeshErrors through", () => {
    const error = new MeshError("MODEL_NOT_FOUND", "model not found");
    expect(MeshError.from(error)).toBe(error);
  });

  it("wraps other values with the fallback code", () => {
    const wrapped = MeshError.from(new TypeError("bad"), "INVALID_DATA");
    expect(wrapped.code).toBe("INVALID_DATA");
    expect(wrapped.message).toBe("bad");
    expect(MeshError.from("text").code).toBe("INTERNAL");
  });

  it("rebuilds a MeshError-shaped object from another package copy", () => {
    const foreign = {
      name: "MeshError",
      code: "MODEL_NOT_HERE",
      message: "gone",
      details: { instanceId: "b" },
    };
    const error = MeshError.from(foreign);
    expect(error).toBeInstanceOf(MeshError);
    expect(error.code).toBe("MODEL_NOT_HERE");
    expect(error.details.instanceId).toBe("b");
  });
});

describe("isMeshError() / hasMeshErrorCode()", () => {
  it("checks shape, not only instanceof", () => {
    expect(isMeshError({ name: "MeshError", code: "INTERNAL", message: "m" })).toBe(true);
    expect(isMeshError({ name: "MeshError", code: "NOPE", message: "m" })).toBe(false);
    expect(isMeshError(new Error("x"))).toBe(false);
    expect(isMeshError(null)).toBe(false);
  });

  it("matches any of the given codes", () => {
    const error = new MeshError("STORE_CONFLICT", "lost");
    expect(hasMeshErrorCode(error, "STORE_CONFLICT", "STORE_UNAVAILABLE")).toBe(true);
    expect(hasMeshErrorCode(error, "INTERNAL")).toBe(false);
  });
});
