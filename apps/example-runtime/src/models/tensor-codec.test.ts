import { create } from "@bufbuild/protobuf";
import { ModelInferRequestSchema } from "@modelmesh/proto";
import { describe, expect, it } from "vitest";
import { decodeInputs, encodeOutputs } from "./tensor-codec.js";

const rawFloat32 = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);

describe("decodeInputs()", () => {
  it("reads raw FP32 and typed FP64 contents", () => {
    const raw = decodeInputs(
      create(ModelInferRequestSchema, {
        inputs: [{ name: "features", datatype: "FP32", shape: [1n, 2n] }],
        rawInputContents: [rawFloat32([1.5, -2])],
      }),
    );
    expect(raw[0]?.data.t === "numeric" && Array.from(raw[0].data.values)).toEqual([1.5, -2]);
    const typed = decodeInputs(
      create(ModelInferRequestSchema, {
        inputs: [{ name: "x", datatype: "fp64", shape: [2n], contents: { fp64Contents: [0.1, 0.2] } }],
      }),
    );
    expect(typed[0]).toMatchObject({ datatype: "FP64", shape: [2] });
  });

  it("reads raw BYTES with 4-byte length prefixes", () => {
    const raw = new Uint8Array([2, 0, 0, 0, 104, 105, 0, 0, 0, 0]);
    const [tensor] = decodeInputs(
      create(ModelInferRequestSchema, {
        inputs: [{ name: "t", datatype: "BYTES", shape: [2n] }],
        rawInputContents: [raw],
      }),
    );
    expect(tensor?.data.t === "bytes" && tensor.data.values.map((v) => Buffer.from(v).toString())).toEqual([
      "hi",
      "",
    ]);
  });

  const errors = [
    {
      name: "a count that does not match the shape",
      inputs: [{ name: "x", datatype: "FP32", shape: [3n], contents: { fp32Contents: [1] } }],
      error: /needs 3 elements, got 1/,
    },
    {
      name: "an unknown datatype",
      inputs: [{ name: "x", datatype: "FP8", shape: [1n] }],
      error: /unsupported datatype "FP8"/,
    },
  ];
  for (const c of errors) {
    it(`rejects ${c.name}`, () => {
      expect(() => decodeInputs(create(ModelInferRequestSchema, { inputs: c.inputs }))).toThrow(c.error);
    });
  }
});

describe("encodeOutputs()", () => {
  const tensor = {
    name: "y",
    datatype: "FP32" as const,
    shape: [2],
    data: { t: "numeric" as const, values: Float64Array.from([0.5, 2]) },
  };

  it("answers raw when the request was raw", () => {
    const { outputs, rawOutputContents } = encodeOutputs([tensor], true);
    expect(outputs[0]).toMatchObject({ name: "y", datatype: "FP32", shape: [2n] });
    expect(Array.from(new Float32Array(new Uint8Array(rawOutputContents[0] ?? []).buffer))).toEqual([0.5, 2]);
  });

  it("answers typed contents otherwise", () => {
    const { outputs, rawOutputContents } = encodeOutputs([tensor], false);
    expect(outputs[0]?.contents?.fp32Contents).toEqual([0.5, 2]);
    expect(rawOutputContents).toEqual([]);
  });
});
