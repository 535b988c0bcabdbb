import type { FieldReader, JsonObject } from "./json-fields.js";
import { float64ArrayBytes, OBJECT_BYTES, stringArrayBytes } from "./size.js";
import {
  classifierOutputSpecs,
  classifierOutputs,
  featuresSpec,
  parseFeatureText,
  scoredClasses,
  tabularRows,
} from "./tabular.js";
import type { ServableModel, Tensor } from "./types.js";

/** The tree in flat typed arrays: node i splits on `feature[i]` (-1 for a leaf). */
interface FlatTree {
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Per node, class probabilities (leaves only). */
  readonly leafProbabilities: Float64Array;
}

function flattenTree(
  json: JsonObject,
  read: FieldReader,
  featureCount: number,
  classCount: number,
): FlatTree {
  const nodes = read.array(json, "nodes");
  const n = nodes.length;
  const tree: FlatTree = {
    feature: new Int32Array(n),
    threshold: new Float64Array(n),
    left: new Int32Array(n),
    right: new Int32Array(n),
    leafProbabilities: new Float64Array(n * classCount),
  };
  nodes.forEach((raw, i) => {
    const node = read.object(raw, `nodes[${i}]`);
    if (node.leaf !== undefined) {
      const counts = read.numbers(node, "leaf", classCount);
      const total = counts.reduce((a, b) => a + b, 0);
      tree.feature[i] = -1;
      counts.forEach((count, c) => {
        tree.leafProbabilities[i * classCount + c] = total > 0 ? count / total : 1 / classCount;
      });
      return;
    }
    const feature = read.number(node, "feature");
    const left = read.number(node, "left");
    const right = read.number(node, "right");
    // Children must come after their parent: this rules out cycles, so every walk ends at a leaf.
    const valid = (child: number) => Number.isInteger(child) && child > i && child < n;
    if (
      !Number.isInteger(feature) ||
      feature < 0 ||
      feature >= featureCount ||
      !valid(left) ||
      !valid(right)
    ) {
      read.fail(`nodes[${i}] needs a feature in 0..${featureCount - 1} and children after the node`);
    }
    tree.feature[i] = feature;
    tree.threshold[i] = read.number(node, "threshold");
    tree.left[i] = left;
    tree.right[i] = right;
  });
  if (n === 0) read.fail('"nodes" must hold at least one node');
  return tree;
}

/**
 * A classification tree: from node 0, go to `left` when `features[feature] <= threshold`, else
 * `right`, until a leaf; the leaf's class counts give the probabilities. File fields: `features`,
 * `classes`, `nodes` (`{ feature, threshold, left, right }` or `{ leaf: [count per class] }`).
 */
export function loadDecisionTree(json: JsonObject, read: FieldReader): ServableModel {
  const features = read.strings(json, "features");
  const classes = read.strings(json, "classes", 2);
  const classCount = classes.length;
  const tree = flattenTree(json, read, features.length, classCount);
  const sizeBytes =
    OBJECT_BYTES +
    stringArrayBytes(features) +
    stringArrayBytes(classes) +
    float64ArrayBytes(tree.threshold) +
    float64ArrayBytes(tree.leafProbabilities) +
    3 * (OBJECT_BYTES + tree.feature.byteLength);

  const leafOf = (values: Float64Array, offset: number): number => {
    let node = 0;
    for (let f = tree.feature[0] ?? -1; f >= 0; f = tree.feature[node] ?? -1) {
      node =
        (values[offset + f] ?? 0) <= (tree.threshold[node] ?? 0)
          ? (tree.left[node] ?? 0)
          : (tree.right[node] ?? 0);
    }
    return node;
  };
  const probabilitiesOf = (leaf: number) =>
    tree.leafProbabilities.subarray(leaf * classCount, (leaf + 1) * classCount);

  return {
    kind: "decision-tree",
    sizeBytes,
    inputs: [featuresSpec(features.length)],
    outputs: classifierOutputSpecs(classCount),
    predictText(text) {
      return scoredClasses(classes, probabilitiesOf(leafOf(parseFeatureText(text, features.length), 0)));
    },
    infer(inputs: readonly Tensor[]) {
      const { rows, values, outputType } = tabularRows(inputs, features.length);
      const probabilities = new Float64Array(rows * classCount);
      for (let r = 0; r < rows; r++) {
        probabilities.set(probabilitiesOf(leafOf(values, r * features.length)), r * classCount);
      }
      return classifierOutputs(classes, probabilities, outputType);
    },
  };
}
