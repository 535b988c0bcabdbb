import {
  MAX_MODEL_ID_BYTES,
  MAX_MODEL_KEY_BYTES,
  MAX_MODEL_PATH_BYTES,
  MAX_MODEL_TYPE_BYTES,
  MAX_VMODEL_ID_BYTES,
  type StaticModel,
} from "@modelmesh/server";

/** Static models read from one source, and every problem found in it. */
export interface ParsedStaticModels {
  readonly models: readonly StaticModel[];
  readonly errors: readonly string[];
}

type Fields = Record<string, unknown>;

const entryFields = new Set(["modelId", "modelInfo", "vModelId", "retainAfterTransition", "ensureLoaded"]);
const modelInfoFields = new Set(["type", "path", "key"]);

function isObject(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function unknownFields(value: Fields, known: ReadonlySet<string>, prefix: string): string[] {
  const unknown = Object.keys(value).filter((k) => !known.has(k));
  return unknown.length === 0
    ? []
    : [`unknown ${prefix}field${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}`];
}

/** `value` as a string within `limitBytes` (absent or null: undefined); pushes the problem otherwise. */
function optionalText(
  value: unknown,
  field: string,
  limitBytes: number,
  problems: string[],
): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") {
    problems.push(`${field} must be a string`);
    return undefined;
  }
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > limitBytes) problems.push(`${field} is ${bytes} bytes, more than the limit of ${limitBytes}`);
  return value;
}

function requiredText(value: unknown, field: string, limitBytes: number, problems: string[]): string {
  if (value === undefined || value === null) {
    problems.push(`${field} is missing`);
    return "";
  }
  const text = optionalText(value, field, limitBytes, problems);
  if (text === "") problems.push(`${field} must not be empty`);
  return text ?? "";
}

function optionalBoolean(value: unknown, field: string, problems: string[]): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") problems.push(`${field} must be true or false`);
  return value === true;
}

function checkModelInfo(value: unknown, problems: string[]): StaticModel["modelInfo"] {
  if (!isObject(value)) {
    problems.push(
      value === undefined || value === null ? "modelInfo is missing" : "modelInfo must be an object",
    );
    return { type: "" };
  }
  problems.push(...unknownFields(value, modelInfoFields, "modelInfo "));
  const type = requiredText(value.type, "modelInfo.type", MAX_MODEL_TYPE_BYTES, problems);
  const path = optionalText(value.path, "modelInfo.path", MAX_MODEL_PATH_BYTES, problems);
  const key = optionalText(value.key, "modelInfo.key", MAX_MODEL_KEY_BYTES, problems);
  // An empty path or key is the same as none, as for registerModel.
  return { type, ...(path ? { path } : {}), ...(key ? { key } : {}) };
}

/** One entry, or the problems that make it invalid (each as "<field> ..."). */
function checkEntry(value: unknown): { model: StaticModel; problems: string[] } | { problems: string[] } {
  if (!isObject(value)) return { problems: ["must be an object"] };
  const problems = unknownFields(value, entryFields, "");
  const modelId = requiredText(value.modelId, "modelId", MAX_MODEL_ID_BYTES, problems);
  const modelInfo = checkModelInfo(value.modelInfo, problems);
  const vModelId = optionalText(value.vModelId, "vModelId", MAX_VMODEL_ID_BYTES, problems);
  if (vModelId === "") problems.push("vModelId must not be empty");
  const retainAfterTransition = optionalBoolean(
    value.retainAfterTransition,
    "retainAfterTransition",
    problems,
  );
  const ensureLoaded = optionalBoolean(value.ensureLoaded, "ensureLoaded", problems);
  if (retainAfterTransition && vModelId === undefined) {
    problems.push("retainAfterTransition applies only with a vModelId");
  }
  const model: StaticModel = {
    modelId,
    modelInfo,
    ...(vModelId ? { vModelId } : {}),
    retainAfterTransition,
    ensureLoaded,
  };
  return { model, problems };
}

function describeEntry(index: number, value: unknown): string {
  const id =
    isObject(value) && typeof value.modelId === "string" ? ` (${JSON.stringify(value.modelId)})` : "";
  return `[${index}]${id}`;
}

/**
 * Parses one static registration document (JSON text): a list of entries, or a single entry.
 * Every problem is reported, each naming the entry (`[index] ("modelId")`) and the field; unknown
 * fields are problems too (the original ignored them, which hid typos such as `ensureloaded`).
 * Empty `path`/`key` values are dropped; absent booleans are false.
 */
export function parseStaticModels(raw: string): ParsedStaticModels {
  let document: unknown;
  try {
    document = JSON.parse(raw);
  } catch (e) {
    return { models: [], errors: [`is not valid JSON (${e instanceof Error ? e.message : String(e)})`] };
  }
  if (!Array.isArray(document) && !isObject(document)) {
    return { models: [], errors: ["must be a JSON list of models (or a single model object)"] };
  }
  const entries: unknown[] = Array.isArray(document) ? document : [document];
  const models: StaticModel[] = [];
  const errors: string[] = [];
  for (const [index, value] of entries.entries()) {
    const checked = checkEntry(value);
    for (const problem of checked.problems) errors.push(`${describeEntry(index, value)}: ${problem}`);
    if (checked.problems.length === 0 && "model" in checked) models.push(checked.model);
  }
  return { models, errors };
}

/** A stable text form of an entry, to compare two of them. */
function fingerprint(model: StaticModel): string {
  const { type, path = "", key = "" } = model.modelInfo;
  return JSON.stringify([
    model.modelId,
    type,
    path,
    key,
    model.vModelId ?? "",
    model.retainAfterTransition === true,
    model.ensureLoaded === true,
  ]);
}

function sameModelInfo(a: StaticModel, b: StaticModel): boolean {
  const [x, y] = [a.modelInfo, b.modelInfo];
  return x.type === y.type && (x.path ?? "") === (y.path ?? "") && (x.key ?? "") === (y.key ?? "");
}

/**
 * Joins the static models of every source (in order) and checks them together: an entry repeated
 * exactly is kept once; the same model with two different `modelInfo`s, the same model (and
 * vmodel) with other attributes that differ, or one vmodel with two target models are problems.
 */
export function mergeStaticModels(lists: readonly (readonly StaticModel[])[]): ParsedStaticModels {
  const models: StaticModel[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const model of lists.flat()) {
    if (seen.has(fingerprint(model))) continue;
    seen.add(fingerprint(model));
    const id = JSON.stringify(model.modelId);
    const clash = models.find((m) => m.modelId === model.modelId && !sameModelInfo(m, model));
    if (clash) errors.push(`model ${id} is listed twice with different modelInfo`);
    else if (models.some((m) => m.modelId === model.modelId && m.vModelId === model.vModelId)) {
      errors.push(`model ${id} is listed twice with different attributes`);
    }
    const target = models.find((m) => model.vModelId !== undefined && m.vModelId === model.vModelId);
    if (target && target.modelId !== model.modelId) {
      errors.push(
        `vmodel ${JSON.stringify(model.vModelId)} is listed with two target models (${JSON.stringify(target.modelId)}, ${id})`,
      );
    }
    models.push(model);
  }
  return { models, errors };
}
