import type { FieldReader, JsonObject } from "./json-fields.js";
import { float64ArrayBytes, OBJECT_BYTES, stringArrayBytes } from "./size.js";
import {
  classifierOutputSpecs,
  classifierOutputs,
  featuresSpec,
  parseFeatureText,
  scoredClasses,
  softmaxInPlace,
  tabularRows,
} from "./tabular.js";
import type { ServableModel, Tensor } from "./types.js";

/**
 * Multinomial logistic regression: class scores `biases[c] + Σ weights[c][i] × features[i]`,
 * turned into probabilities with softmax. File fields: `features`, `classes`, `weights` (one row
 * per class), `biases` (one per class).
 */
export function loadLogisticRegression(json: JsonObject, read: FieldReader): ServableModel {
  const features = read.strings(json, "features");
  const classes = read.strings(json, "classes", 2);
  const featureCount = features.length;
  const classCount = classes.length;
  const weights = read.matrix(json, "weights", classCount, featureCount);
  const biases = Float64Array.from(read.numbers(json, "biases", classCount));
  const sizeBytes =
    OBJECT_BYTES +
    stringArrayBytes(features) +
    stringArrayBytes(classes) +
    float64ArrayBytes(weights) +
    float64ArrayBytes(biases);

  const scoreRow = (values: Float64Array, offset: number, out: Float64Array, outOffset: number): void => {
    for (let c = 0; c < classCount; c++) {
      let sum = biases[c] ?? 0;
      for (let i = 0; i < featureCount; i++) {
        sum += (weights[c * featureCount + i] ?? 0) * (values[offset + i] ?? 0);
      }
      out[outOffset + c] = sum;
    }
    softmaxInPlace(out, outOffset, classCount);
  };

  return {
    kind: "logistic-regression",
    sizeBytes,
    inputs: [featuresSpec(featureCount)],
    outputs: classifierOutputSpecs(classCount),
    predictText(text) {
      const probabilities = new Float64Array(classCount);
      scoreRow(parseFeatureText(text, featureCount), 0, probabilities, 0);
      return scoredClasses(classes, probabilities);
    },
    infer(inputs: readonly Tensor[]) {
      const { rows, values, outputType } = tabularRows(inputs, featureCount);
      const probabilities = new Float64Array(rows * classCount);
      for (let r = 0; r < rows; r++) scoreRow(values, r * featureCount, probabilities, r * classCount);
      return classifierOutputs(classes, probabilities, outputType);
    },
  };
}
