import { describe, expect, it } from "vitest";
import {
  describeStatus,
  MAX_RUNTIME_MESSAGE_CHARS,
  translateLoadError,
  translateRuntimeError,
  truncateMessage,
} from "./runtime-errors.js";

const method = "mmesh.ExamplePredictor/predict";

describe("translateRuntimeError()", () => {
  const cases = [
    {
      name: "NOT_FOUND",
      status: { code: 5, message: "" },
      code: "MODEL_NOT_HERE",
      message: `${method}: NOT_FOUND`,
    },
    {
      name: "Triton's not found",
      status: { code: 14, message: "Request for unknown model: 'm1' is not found" },
      code: "MODEL_NOT_HERE",
      message: `${method}: UNAVAILABLE: Request for unknown model: 'm1' is not found`,
    },
    {
      name: "Triton's no versions",
      status: { code: 14, message: "Request for unknown model: 'm1' has no available versions" },
      code: "MODEL_NOT_HERE",
      message: `${method}: UNAVAILABLE: Request for unknown model: 'm1' has no available versions`,
    },
    {
      name: "MLServer's not found",
      status: { code: 3, message: "Model m1 with version  not found" },
      code: "MODEL_NOT_HERE",
      message: `${method}: INVALID_ARGUMENT: Model m1 with version  not found`,
    },
    {
      name: "other UNAVAILABLE",
      status: { code: 14, message: "Fake prediction error message" },
      code: "INSTANCE_UNAVAILABLE",
      message: `ModelRuntime UNAVAILABLE: ${method}: UNAVAILABLE: Fake prediction error message`,
    },
    {
      name: "other INVALID_ARGUMENT",
      status: { code: 3, message: "bad tensor" },
      code: "RUNTIME_ERROR",
      message: `${method}: INVALID_ARGUMENT: bad tensor`,
    },
    {
      name: "DEADLINE_EXCEEDED",
      status: { code: 4, message: "late" },
      code: "DEADLINE_EXCEEDED",
      message: `${method}: DEADLINE_EXCEEDED: late`,
    },
    {
      name: "CANCELLED",
      status: { code: 1, message: "" },
      code: "CANCELLED",
      message: `${method}: CANCELLED`,
    },
    {
      name: "RESOURCE_EXHAUSTED",
      status: { code: 8, message: "queue full" },
      code: "RUNTIME_ERROR",
      message: `${method}: RESOURCE_EXHAUSTED: queue full`,
    },
  ];
  for (const c of cases) {
    it(`maps ${c.name}`, () => {
      const error = translateRuntimeError(method, c.status);
      expect([error.code, error.message, error.details.grpcCode]).toEqual([c.code, c.message, c.status.code]);
    });
  }

  it("keeps retryability with the code", () => {
    expect(translateRuntimeError(method, { code: 5, message: "" }).retryable).toBe(true);
    expect(translateRuntimeError(method, { code: 14, message: "x" }).retryable).toBe(true);
    expect(translateRuntimeError(method, { code: 13, message: "x" }).retryable).toBe(false);
  });
});

describe("translateLoadError()", () => {
  it("records CODE: description, or the bare description for UNKNOWN (§6.4)", () => {
    expect(translateLoadError("m", { code: 13, message: "disk on fire" })).toMatchObject({
      code: "LOAD_FAILED",
      message: "INTERNAL: disk on fire",
      details: { modelId: "m", grpcCode: 13 },
    });
    expect(translateLoadError("m", { code: 2, message: "odd" }).message).toBe("odd");
  });
});

describe("bounded runtime messages", () => {
  it("truncateMessage() keeps short text and cuts long text, never inside a character", () => {
    expect(truncateMessage("short", 10)).toBe("short");
    expect(truncateMessage("0123456789abc", 10)).toBe("0123456789 … (truncated)");
    expect(truncateMessage("123456789😀", 10)).toBe("123456789 … (truncated)");
  });

  it("cuts a runtime's long message in translated inference and load errors", () => {
    const huge = { code: 13, message: "x".repeat(1_000_000) };
    const limit = MAX_RUNTIME_MESSAGE_CHARS + 100;
    expect(describeStatus(huge).length).toBeLessThan(limit);
    expect(translateRuntimeError(method, huge).message.length).toBeLessThan(limit);
    expect(translateLoadError("m", huge).message.length).toBeLessThan(limit);
    expect(translateLoadError("m", { code: 2, message: "y".repeat(1_000_000) }).message.length).toBeLessThan(
      limit,
    );
  });
});
