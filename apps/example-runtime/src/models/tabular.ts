import { type Scored, type Tensor, type TensorDatatype, TensorError, type TensorSpec } from "./types.js";

const encoder = new TextEncoder();

/** The input spec of a tabular model: one numeric tensor `features` of shape [-1, F]. */
export function featuresSpec(featureCount: number): TensorSpec {
  return { name: "features", datatype: "FP32", shape: [-1, featureCount] };
}

/** Rows of a tabular input: `rows × featureCount` numbers, row-major. */
export interface Rows {
  readonly rows: number;
  readonly values: Float64Array;
  /** FP64 when the input was FP64, else FP32: outputs use the input's precision. */
  readonly outputType: TensorDatatype;
}

/**
 * Finds the model's numeric input (by name `features`, or the only input) and checks its shape is
 * [N, F] or [F].
 */
export function tabularRows(inputs: readonly Tensor[], featureCount: number): Rows {
  const input = inputs.find((t) => t.name === "features") ?? (inputs.length === 1 ? inputs[0] : undefined);
  if (input === undefined) throw new TensorError('expected one input tensor named "features"');
  if (input.data.t !== "numeric") throw new TensorError(`input "${input.name}" must be numeric, not BYTES`);
  const shape = input.shape;
  const rowShape = shape.length === 2 && shape[1] === featureCount;
  const vectorShape = shape.length === 1 && shape[0] === featureCount;
  if (!rowShape && !vectorShape) {
    throw new TensorError(
      `input "${input.name}" must have shape [N, ${featureCount}], got [${shape.join(", ")}]`,
    );
  }
  return {
    rows: input.data.values.length / featureCount,
    values: input.data.values,
    outputType: input.datatype === "FP64" ? "FP64" : "FP32",
  };
}

/** Parses ExamplePredictor text such as `5.1, 3.5, 1.4, 0.2` into exactly `featureCount` numbers. */
export function parseFeatureText(text: string, featureCount: number): Float64Array {
  const parts = text.split(/[\s,;]+/).filter((p) => p.length > 0);
  const values = Float64Array.from(parts, Number);
  if (parts.length !== featureCount || values.some((v) => !Number.isFinite(v))) {
    throw new TensorError(`expected ${featureCount} comma-separated numbers, got "${text.slice(0, 100)}"`);
  }
  return values;
}

/** In-place softmax of `count` scores starting at `offset`. */
export function softmaxInPlace(scores: Float64Array, offset: number, count: number): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = offset; i < offset + count; i++) max = Math.max(max, scores[i] ?? 0);
  let sum = 0;
  for (let i = offset; i < offset + count; i++) {
    const e = Math.exp((scores[i] ?? 0) - max);
    scores[i] = e;
    sum += e;
  }
  for (let i = offset; i < offset + count; i++) scores[i] = (scores[i] ?? 0) / sum;
}

/** Index of the largest of `count` values starting at `offset`. */
export function argmax(values: Float64Array, offset: number, count: number): number {
  let best = 0;
  for (let i = 1; i < count; i++) if ((values[offset + i] ?? 0) > (values[offset + best] ?? 0)) best = i;
  return best;
}

/** Classes with their probabilities, most likely first. */
export function scoredClasses(classes: readonly string[], probabilities: Float64Array): Scored[] {
  return classes
    .map((category, i) => ({ category, confidence: probabilities[i] ?? 0 }))
    .sort((a, b) => b.confidence - a.confidence);
}

/** The outputs of a classifier: `probabilities` [N, C] and the most likely `label` [N] (BYTES). */
export function classifierOutputs(
  classes: readonly string[],
  probabilities: Float64Array,
  outputType: TensorDatatype,
): Tensor[] {
  const rows = probabilities.length / classes.length;
  const labels: Uint8Array[] = [];
  for (let r = 0; r < rows; r++) {
    labels.push(encoder.encode(classes[argmax(probabilities, r * classes.length, classes.length)] ?? ""));
  }
  return [
    {
      name: "probabilities",
      datatype: outputType,
      shape: [rows, classes.length],
      data: { t: "numeric", values: probabilities },
    },
    { name: "label", datatype: "BYTES", shape: [rows], data: { t: "bytes", values: labels } },
  ];
}

/** Output specs of a classifier with `classCount` classes. */
export function classifierOutputSpecs(classCount: number): TensorSpec[] {
  return [
    { name: "probabilities", datatype: "FP32", shape: [-1, classCount] },
    { name: "label", datatype: "BYTES", shape: [-1] },
  ];
}
