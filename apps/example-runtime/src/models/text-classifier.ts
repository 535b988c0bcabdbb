import type { FieldReader, JsonObject } from "./json-fields.js";
import { float64ArrayBytes, MAP_ENTRY_BYTES, OBJECT_BYTES, stringArrayBytes, stringBytes } from "./size.js";
import { classifierOutputSpecs, classifierOutputs, scoredClasses, softmaxInPlace } from "./tabular.js";
import { type ServableModel, type Tensor, TensorError } from "./types.js";

const decoder = new TextDecoder();
const wordPattern = /[\p{L}\p{N}']+/gu;

/** Lower-cased words of a text, as the classifier was trained on them. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(wordPattern) ?? [];
}

/**
 * A multinomial naive Bayes text classifier: per class a log prior, and per known word a log
 * likelihood per class. Unknown words are ignored. File fields: `classes`, `classLogPriors`,
 * `vocabulary` (`{ word: [logLikelihood per class] }`).
 */
export function loadTextClassifier(json: JsonObject, read: FieldReader): ServableModel {
  const classes = read.strings(json, "classes", 2);
  const classCount = classes.length;
  const logPriors = Float64Array.from(read.numbers(json, "classLogPriors", classCount));
  const vocabulary = read.object(json.vocabulary, '"vocabulary"');
  const words = Object.keys(vocabulary);
  const wordIndex = new Map<string, number>();
  const logLikelihoods = new Float64Array(words.length * classCount);
  words.forEach((word, w) => {
    wordIndex.set(word, w);
    logLikelihoods.set(read.numbers(vocabulary, word, classCount), w * classCount);
  });
  const sizeBytes =
    OBJECT_BYTES * 2 +
    stringArrayBytes(classes) +
    float64ArrayBytes(logPriors) +
    float64ArrayBytes(logLikelihoods) +
    words.reduce((sum, word) => sum + stringBytes(word) + MAP_ENTRY_BYTES, 0);

  /** Class probabilities for one text, written into `out` at `offset`. */
  const classify = (text: string, out: Float64Array, offset: number): void => {
    out.set(logPriors, offset);
    for (const word of tokenize(text)) {
      const w = wordIndex.get(word);
      if (w === undefined) continue;
      for (let c = 0; c < classCount; c++) {
        out[offset + c] = (out[offset + c] ?? 0) + (logLikelihoods[w * classCount + c] ?? 0);
      }
    }
    softmaxInPlace(out, offset, classCount);
  };

  return {
    kind: "text-classifier",
    sizeBytes,
    inputs: [{ name: "text", datatype: "BYTES", shape: [-1] }],
    outputs: classifierOutputSpecs(classCount),
    predictText(text) {
      const probabilities = new Float64Array(classCount);
      classify(text, probabilities, 0);
      return scoredClasses(classes, probabilities);
    },
    infer(inputs: readonly Tensor[]) {
      const input = inputs.find((t) => t.name === "text") ?? (inputs.length === 1 ? inputs[0] : undefined);
      if (input === undefined) throw new TensorError('expected one input tensor named "text"');
      if (input.data.t !== "bytes") throw new TensorError(`input "${input.name}" must be BYTES`);
      const texts = input.data.values;
      const probabilities = new Float64Array(texts.length * classCount);
      texts.forEach((bytes, i) => {
        classify(decoder.decode(bytes), probabilities, i * classCount);
      });
      return classifierOutputs(classes, probabilities, "FP32");
    },
  };
}
