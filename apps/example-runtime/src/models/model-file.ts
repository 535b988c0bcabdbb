import { readFile, stat } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { loadDecisionTree } from "./decision-tree.js";
import { fieldReader } from "./json-fields.js";
import { loadLinearRegression } from "./linear-regression.js";
import { loadLogisticRegression } from "./logistic-regression.js";
import { loadTextClassifier } from "./text-classifier.js";
import { ModelFileError, type ServableModel } from "./types.js";

/**
 * Where a model path points: relative paths are taken from `modelsDir`; a directory means its
 * `model.json`.
 */
export async function resolveModelFile(modelPath: string, modelsDir: string): Promise<string> {
  const target = isAbsolute(modelPath) ? modelPath : resolve(modelsDir, modelPath);
  const info = await stat(target).catch(() => undefined);
  if (info?.isDirectory()) return join(target, "model.json");
  if (info?.isFile()) return target;
  throw new ModelFileError(
    `no model at "${modelPath}" (looked for ${target}); give a folder with a model.json, a .json file, ` +
      "SIZE_<bytes>_<loadMs>_<unloadMs> or FAIL_<message>",
  );
}

/** Reads, checks and loads a `model.json` file into a {@link ServableModel}. */
export async function loadModelFile(file: string): Promise<ServableModel> {
  const read = fieldReader(file);
  const text = await readFile(file, "utf8").catch((error: unknown) =>
    read.fail(`cannot read: ${error instanceof Error ? error.message : String(error)}`),
  );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    read.fail(`not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const json = read.object(parsed, "the file");
  const kind = read.string(json, "kind");
  switch (kind) {
    case "text-classifier":
      return loadTextClassifier(json, read);
    case "linear-regression":
      return loadLinearRegression(json, read);
    case "logistic-regression":
      return loadLogisticRegression(json, read);
    case "decision-tree":
      return loadDecisionTree(json, read);
    default:
      return read.fail(
        `unknown "kind" ${JSON.stringify(kind)} (text-classifier, linear-regression, logistic-regression, decision-tree)`,
      );
  }
}
