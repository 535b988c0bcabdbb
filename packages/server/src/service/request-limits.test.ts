import { describe, expect, it } from "vitest";
import {
  checkModelInfo,
  checkSize,
  checkVModelRequest,
  MAX_MODEL_KEY_BYTES,
  MAX_MODEL_PATH_BYTES,
  MAX_MODEL_TYPE_BYTES,
  MAX_OWNER_BYTES,
  MAX_VMODEL_ID_BYTES,
} from "./request-limits.js";

const invalid = (message: string) => expect.objectContaining({ code: "INVALID_ARGUMENT", message });

describe("checkSize()", () => {
  it("accepts text up to the limit in UTF-8 bytes", () => {
    expect(() => checkSize("f", "a".repeat(8), 8)).not.toThrow();
    expect(() => checkSize("f", "é".repeat(4), 8)).not.toThrow();
  });
  it("refuses longer text with a message naming the field, its size and the limit", () => {
    expect(() => checkSize("modelId", "a".repeat(9), 8)).toThrow(
      invalid("modelId is 9 bytes, more than the limit of 8 bytes"),
    );
    // Five characters, ten bytes.
    expect(() => checkSize("modelId", "é".repeat(5), 8)).toThrow(
      invalid("modelId is 10 bytes, more than the limit of 8 bytes"),
    );
  });
});

describe("checkModelInfo()", () => {
  it("accepts an absent or empty model info, and fields at their limits", () => {
    expect(() => checkModelInfo(undefined)).not.toThrow();
    expect(() =>
      checkModelInfo({
        type: "t".repeat(MAX_MODEL_TYPE_BYTES),
        path: "p".repeat(MAX_MODEL_PATH_BYTES),
        key: "k".repeat(MAX_MODEL_KEY_BYTES),
      }),
    ).not.toThrow();
  });
  it.each([
    ["type", MAX_MODEL_TYPE_BYTES],
    ["path", MAX_MODEL_PATH_BYTES],
    ["key", MAX_MODEL_KEY_BYTES],
  ])("refuses a %s one byte over its limit", (field, limit) => {
    expect(() => checkModelInfo({ [field]: "x".repeat(limit + 1) })).toThrow(
      invalid(`modelInfo.${field} is ${limit + 1} bytes, more than the limit of ${limit} bytes`),
    );
  });
});

describe("checkVModelRequest()", () => {
  it("checks every text field", () => {
    expect(() => checkVModelRequest({ vModelId: "v", owner: "o", targetModelId: "t" })).not.toThrow();
    expect(() => checkVModelRequest({ vModelId: "v".repeat(MAX_VMODEL_ID_BYTES + 1), owner: "" })).toThrow(
      invalid(
        `vModelId is ${MAX_VMODEL_ID_BYTES + 1} bytes, more than the limit of ${MAX_VMODEL_ID_BYTES} bytes`,
      ),
    );
    expect(() => checkVModelRequest({ vModelId: "v", owner: "o".repeat(MAX_OWNER_BYTES + 1) })).toThrow(
      invalid(`owner is ${MAX_OWNER_BYTES + 1} bytes, more than the limit of ${MAX_OWNER_BYTES} bytes`),
    );
    expect(() =>
      checkVModelRequest({ vModelId: "v", owner: "", expectedTargetModelId: "e".repeat(2000) }),
    ).toThrow(invalid("expectedTargetModelId is 2000 bytes, more than the limit of 1024 bytes"));
    expect(() =>
      checkVModelRequest({ vModelId: "v", owner: "", modelInfo: { path: "p".repeat(20_000) } }),
    ).toThrow(invalid("modelInfo.path is 20000 bytes, more than the limit of 16384 bytes"));
  });
});
