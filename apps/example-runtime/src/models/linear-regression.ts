import type { FieldReader, JsonObject } from "./json-fields.js";
import { float64ArrayBytes, OBJECT_BYTES, stringArrayBytes, stringBytes } from "./size.js";
import { featuresSpec, parseFeatureText, tabularRows } from "./tabular.js";
import type { ServableModel, Tensor } from "./types.js";

/**
 * Linear regression: `output = bias + Σ weights[i] × features[i]`. File fields: `features` (names),
 * `output` (name of the predicted quantity), `weights` (one per feature), `bias`.
 */
export function loadLinearRegression(json: JsonObject, read: FieldReader): ServableModel {
  const features = read.strings(json, "features");
  const output = read.string(json, "output");
  const weights = Float64Array.from(read.numbers(json, "weights", features.length));
  const bias = read.number(json, "bias");
  const sizeBytes =
    OBJECT_BYTES + stringArrayBytes(features) + stringBytes(output) + float64ArrayBytes(weights);

  const predictRow = (values: Float64Array, offset: number): number => {
    let sum = bias;
    for (let i = 0; i < weights.length; i++) sum += (weights[i] ?? 0) * (values[offset + i] ?? 0);
    return sum;
  };

  return {
    kind: "linear-regression",
    sizeBytes,
    inputs: [featuresSpec(features.length)],
    outputs: [{ name: output, datatype: "FP32", shape: [-1] }],
    predictText(text) {
      const value = predictRow(parseFeatureText(text, features.length), 0);
      return [{ category: `${output}=${Number(value.toPrecision(6))}`, confidence: 1 }];
    },
    infer(inputs: readonly Tensor[]) {
      const { rows, values, outputType } = tabularRows(inputs, features.length);
      const predictions = new Float64Array(rows);
      for (let r = 0; r < rows; r++) predictions[r] = predictRow(values, r * features.length);
      return [
        { name: output, datatype: outputType, shape: [rows], data: { t: "numeric", values: predictions } },
      ];
    },
  };
}
