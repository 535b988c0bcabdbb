import { create } from "@bufbuild/protobuf";
import {
  type InferTensorContents,
  InferTensorContentsSchema,
  type ModelInferRequest,
  type ModelInferResponse_InferOutputTensor,
  ModelInferResponse_InferOutputTensorSchema,
} from "@modelmesh/proto";
import { type Tensor, type TensorDatatype, TensorError, type TensorValues } from "./types.js";

const elementBytes: Readonly<Record<Exclude<TensorDatatype, "BYTES">, number>> = {
  BOOL: 1,
  INT32: 4,
  INT64: 8,
  UINT32: 4,
  UINT64: 8,
  FP32: 4,
  FP64: 8,
};

function isDatatype(text: string): text is TensorDatatype {
  return text === "BYTES" || text in elementBytes;
}

/** Reads one little-endian element of `datatype` at byte `offset`. */
function readElement(view: DataView, datatype: Exclude<TensorDatatype, "BYTES">, offset: number): number {
  switch (datatype) {
    case "BOOL":
      return view.getUint8(offset) === 0 ? 0 : 1;
    case "INT32":
      return view.getInt32(offset, true);
    case "INT64":
      return Number(view.getBigInt64(offset, true));
    case "UINT32":
      return view.getUint32(offset, true);
    case "UINT64":
      return Number(view.getBigUint64(offset, true));
    case "FP32":
      return view.getFloat32(offset, true);
    case "FP64":
      return view.getFloat64(offset, true);
    default: {
      const never: never = datatype;
      throw new TensorError(`unsupported datatype ${String(never)}`);
    }
  }
}

/** Raw BYTES tensors: each element is a 4-byte little-endian length, then that many bytes. */
function decodeRawBytes(raw: Uint8Array): Uint8Array[] {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const values: Uint8Array[] = [];
  for (let offset = 0; offset < raw.byteLength; ) {
    if (offset + 4 > raw.byteLength) throw new TensorError("raw BYTES content ends inside a length prefix");
    const length = view.getUint32(offset, true);
    if (offset + 4 + length > raw.byteLength)
      throw new TensorError("raw BYTES element runs past the content");
    values.push(raw.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return values;
}

function decodeRaw(datatype: TensorDatatype, raw: Uint8Array): TensorValues {
  if (datatype === "BYTES") return { t: "bytes", values: decodeRawBytes(raw) };
  const size = elementBytes[datatype];
  if (raw.byteLength % size !== 0)
    throw new TensorError(`raw ${datatype} content is not a whole number of elements`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const values = new Float64Array(raw.byteLength / size);
  for (let i = 0; i < values.length; i++) values[i] = readElement(view, datatype, i * size);
  return { t: "numeric", values };
}

function decodeTyped(datatype: TensorDatatype, contents: InferTensorContents | undefined): TensorValues {
  const c = contents ?? create(InferTensorContentsSchema);
  switch (datatype) {
    case "BYTES":
      return { t: "bytes", values: c.bytesContents };
    case "BOOL":
      return { t: "numeric", values: Float64Array.from(c.boolContents, (b) => (b ? 1 : 0)) };
    case "INT32":
      return { t: "numeric", values: Float64Array.from(c.intContents) };
    case "INT64":
      return { t: "numeric", values: Float64Array.from(c.int64Contents, Number) };
    case "UINT32":
      return { t: "numeric", values: Float64Array.from(c.uintContents) };
    case "UINT64":
      return { t: "numeric", values: Float64Array.from(c.uint64Contents, Number) };
    case "FP32":
      return { t: "numeric", values: Float64Array.from(c.fp32Contents) };
    case "FP64":
      return { t: "numeric", values: Float64Array.from(c.fp64Contents) };
    default: {
      const never: never = datatype;
      throw new TensorError(`unsupported datatype ${String(never)}`);
    }
  }
}

/**
 * Decodes the inputs of a ModelInfer request, from `raw_input_contents` (one entry per input, in
 * order) or from each input's typed `contents`, and checks element counts against the shapes.
 */
export function decodeInputs(request: ModelInferRequest): Tensor[] {
  const raw = request.rawInputContents;
  if (raw.length > 0 && raw.length !== request.inputs.length) {
    throw new TensorError(`raw_input_contents has ${raw.length} entries for ${request.inputs.length} inputs`);
  }
  return request.inputs.map((input, i) => {
    const datatype = input.datatype.toUpperCase();
    if (!isDatatype(datatype))
      throw new TensorError(`input "${input.name}": unsupported datatype "${input.datatype}"`);
    const shape = input.shape.map(Number);
    const rawContent = raw[i];
    const data =
      rawContent === undefined ? decodeTyped(datatype, input.contents) : decodeRaw(datatype, rawContent);
    const expected = shape.reduce((a, b) => a * b, 1);
    if (shape.some((d) => d < 0) || expected !== data.values.length) {
      throw new TensorError(
        `input "${input.name}": shape [${shape.join(", ")}] needs ${expected} elements, got ${data.values.length}`,
      );
    }
    return { name: input.name, datatype, shape, data };
  });
}

function encodeRaw(tensor: Tensor): Uint8Array {
  if (tensor.data.t === "bytes") {
    const total = tensor.data.values.reduce((sum, v) => sum + 4 + v.byteLength, 0);
    const out = new Uint8Array(total);
    const view = new DataView(out.buffer);
    let offset = 0;
    for (const value of tensor.data.values) {
      view.setUint32(offset, value.byteLength, true);
      out.set(value, offset + 4);
      offset += 4 + value.byteLength;
    }
    return out;
  }
  const values = tensor.data.values;
  switch (tensor.datatype) {
    case "FP64":
      return new Uint8Array(Float64Array.from(values).buffer);
    case "INT64":
      return new Uint8Array(BigInt64Array.from(values, (v) => BigInt(Math.trunc(v))).buffer);
    case "INT32":
      return new Uint8Array(Int32Array.from(values).buffer);
    default:
      return new Uint8Array(Float32Array.from(values).buffer);
  }
}

function encodeTyped(tensor: Tensor): InferTensorContents {
  if (tensor.data.t === "bytes")
    return create(InferTensorContentsSchema, { bytesContents: [...tensor.data.values] });
  const values = Array.from(tensor.data.values);
  switch (tensor.datatype) {
    case "FP64":
      return create(InferTensorContentsSchema, { fp64Contents: values });
    case "INT64":
      return create(InferTensorContentsSchema, { int64Contents: values.map((v) => BigInt(Math.trunc(v))) });
    case "INT32":
      return create(InferTensorContentsSchema, { intContents: values });
    default:
      return create(InferTensorContentsSchema, { fp32Contents: values });
  }
}

/** Output tensors and, when `raw` is set, their raw contents (answer in the format the caller used). */
export interface EncodedOutputs {
  readonly outputs: ModelInferResponse_InferOutputTensor[];
  readonly rawOutputContents: Uint8Array[];
}

/** Encodes computed outputs, as raw contents when `raw` (the request used raw inputs) else typed. */
export function encodeOutputs(tensors: readonly Tensor[], raw: boolean): EncodedOutputs {
  // Numeric outputs are computed in float64; only these types are written back.
  const datatypeOf = (t: Tensor) =>
    t.data.t === "bytes" ? "BYTES" : ["FP64", "INT64", "INT32"].includes(t.datatype) ? t.datatype : "FP32";
  const outputs = tensors.map((t) =>
    create(ModelInferResponse_InferOutputTensorSchema, {
      name: t.name,
      datatype: datatypeOf(t),
      shape: t.shape.map(BigInt),
      ...(raw ? {} : { contents: encodeTyped(t) }),
    }),
  );
  return { outputs, rawOutputContents: raw ? tensors.map(encodeRaw) : [] };
}
