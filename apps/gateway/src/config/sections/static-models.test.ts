import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";
import { mergeStaticModels, parseStaticModels } from "./parse-static-models.js";

function staticModels(env: Record<string, string>, argv: string[] = []) {
  const result = loadConfig({ env, argv });
  if (result.kind !== "ok") throw new Error(JSON.stringify(result));
  return result.config.staticRegistration.staticModels;
}

function errors(env: Record<string, string>): readonly string[] {
  const result = loadConfig({ env, argv: [] });
  if (result.kind !== "invalid") throw new Error(`expected invalid, got ${result.kind}`);
  return result.errors;
}

function tempFile(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "mm-static-")), "models.json");
  writeFileSync(path, content);
  return path;
}

describe("parseStaticModels()", () => {
  it("reads a list, normalising empty values and absent booleans", () => {
    const parsed = parseStaticModels(
      JSON.stringify([
        { modelId: "a", modelInfo: { type: "t", path: "p", key: "" }, ensureLoaded: true },
        { modelId: "b", modelInfo: { type: "t", path: null }, vModelId: "v", retainAfterTransition: true },
      ]),
    );
    expect(parsed).toEqual({
      models: [
        {
          modelId: "a",
          modelInfo: { type: "t", path: "p" },
          retainAfterTransition: false,
          ensureLoaded: true,
        },
        {
          modelId: "b",
          modelInfo: { type: "t" },
          vModelId: "v",
          retainAfterTransition: true,
          ensureLoaded: false,
        },
      ],
      errors: [],
    });
  });

  it("accepts a single object", () => {
    expect(parseStaticModels('{"modelId": "a", "modelInfo": {"type": "t"}}').models).toEqual([
      { modelId: "a", modelInfo: { type: "t" }, retainAfterTransition: false, ensureLoaded: false },
    ]);
  });

  const bad: [string, unknown, string[]][] = [
    ["a number", 3, ["must be a JSON list of models (or a single model object)"]],
    ["an entry that is no object", ["a"], ["[0]: must be an object"]],
    ["a missing modelId and modelInfo", [{}], ["[0]: modelId is missing", "[0]: modelInfo is missing"]],
    [
      "a missing or empty type",
      [
        { modelId: "a", modelInfo: {} },
        { modelId: "b", modelInfo: { type: "" } },
      ],
      ['[0] ("a"): modelInfo.type is missing', '[1] ("b"): modelInfo.type must not be empty'],
    ],
    [
      "wrong field types",
      [
        {
          modelId: 7,
          modelInfo: { type: 1, path: 2, key: false },
          vModelId: [],
          retainAfterTransition: "yes",
          ensureLoaded: 1,
        },
      ],
      [
        "[0]: modelId must be a string",
        "[0]: modelInfo.type must be a string",
        "[0]: modelInfo.path must be a string",
        "[0]: modelInfo.key must be a string",
        "[0]: vModelId must be a string",
        "[0]: retainAfterTransition must be true or false",
        "[0]: ensureLoaded must be true or false",
      ],
    ],
    [
      "a modelInfo that is no object",
      [{ modelId: "a", modelInfo: "t" }],
      ['[0] ("a"): modelInfo must be an object'],
    ],
    [
      "unknown fields",
      [{ modelId: "a", modelInfo: { type: "t", size: 1 }, ensureloaded: true, owner: "x" }],
      ['[0] ("a"): unknown fields ensureloaded, owner', '[0] ("a"): unknown modelInfo field size'],
    ],
    [
      "retainAfterTransition without vModelId",
      [{ modelId: "a", modelInfo: { type: "t" }, retainAfterTransition: true }],
      ['[0] ("a"): retainAfterTransition applies only with a vModelId'],
    ],
    [
      "an empty vModelId",
      [{ modelId: "a", modelInfo: { type: "t" }, vModelId: "" }],
      ['[0] ("a"): vModelId must not be empty'],
    ],
    [
      "an id over the size limit",
      [{ modelId: "x".repeat(1025), modelInfo: { type: "t" } }],
      [`[0] ("${"x".repeat(1025)}"): modelId is 1025 bytes, more than the limit of 1024`],
    ],
  ];
  for (const [name, document, expected] of bad) {
    it(`reports ${name}`, () => {
      expect(parseStaticModels(JSON.stringify(document))).toEqual({ models: [], errors: expected });
    });
  }

  it("reports malformed JSON", () => {
    const parsed = parseStaticModels("[{");
    expect(parsed.models).toEqual([]);
    expect(parsed.errors).toHaveLength(1);
    expect(parsed.errors[0]).toMatch(/^is not valid JSON \(/);
  });

  it("keeps the valid entries of a document with invalid ones", () => {
    const parsed = parseStaticModels('[{"modelId": "a", "modelInfo": {"type": "t"}}, {"modelId": "b"}]');
    expect(parsed.models.map((m) => m.modelId)).toEqual(["a"]);
    expect(parsed.errors).toEqual(['[1] ("b"): modelInfo is missing']);
  });
});

describe("mergeStaticModels()", () => {
  const model = (modelId: string, fields: object = {}) => ({
    modelId,
    modelInfo: { type: "t" },
    retainAfterTransition: false,
    ensureLoaded: false,
    ...fields,
  });

  it("keeps an entry repeated exactly once", () => {
    expect(mergeStaticModels([[model("a"), model("b")], [model("a")]])).toEqual({
      models: [model("a"), model("b")],
      errors: [],
    });
  });

  it("allows one model as a plain registration and as a vmodel target", () => {
    const merged = mergeStaticModels([[model("a"), model("a", { vModelId: "v" })]]);
    expect(merged.errors).toEqual([]);
    expect(merged.models).toHaveLength(2);
  });

  it("reports every conflicting duplicate", () => {
    const merged = mergeStaticModels([
      [model("a"), model("b"), model("c", { vModelId: "v" })],
      [
        model("a", { modelInfo: { type: "other" } }),
        model("b", { ensureLoaded: true }),
        model("d", { vModelId: "v" }),
      ],
    ]);
    expect(merged.errors).toEqual([
      'model "a" is listed twice with different modelInfo',
      'model "b" is listed twice with different attributes',
      'vmodel "v" is listed with two target models ("c", "d")',
    ]);
  });
});

describe("static registration config", () => {
  const entry = { modelId: "a", modelInfo: { type: "t" }, ensureLoaded: true };
  const parsed = { modelId: "a", modelInfo: { type: "t" }, retainAfterTransition: false, ensureLoaded: true };

  it("is empty by default", () => {
    expect(staticModels({})).toEqual([]);
  });

  it("reads every spelling of the variables and the flags, without a deprecation warning", () => {
    const doc = JSON.stringify([entry]);
    expect(staticModels({ MM_AUTO_REGISTER_MODELS: doc })).toEqual([parsed]);
    expect(staticModels({ MM_AUTO_REGISTER_MODEL: doc })).toEqual([parsed]);
    expect(staticModels({ MM_AUTO_REGISTER_MODEL_PATH: tempFile(doc) })).toEqual([parsed]);
    expect(staticModels({ MM_AUTO_REGISTER_MODELS_PATH: tempFile(doc) })).toEqual([parsed]);
    expect(staticModels({}, [`--auto-register-models=${doc}`])).toEqual([parsed]);
    expect(staticModels({}, ["--auto-register-models-path", tempFile(doc)])).toEqual([parsed]);
    const result = loadConfig({ env: { MM_AUTO_REGISTER_MODEL: doc }, argv: [] });
    expect(result.kind === "ok" && result.warnings).toEqual([]);
  });

  it("uses the file's models and then the inline ones", () => {
    const file = tempFile(JSON.stringify({ modelId: "f", modelInfo: { type: "t" } }));
    const models = staticModels({
      MM_AUTO_REGISTER_MODEL_PATH: file,
      MM_AUTO_REGISTER_MODELS: JSON.stringify([entry]),
    });
    expect(models.map((m) => m.modelId)).toEqual(["f", "a"]);
  });

  it("reports every problem of both sources with the other configuration errors", () => {
    const file = tempFile('[{"modelId": "a", "modelInfo": {"type": "t", "path": "p1"}}, {"modelId": ""}]');
    expect(
      errors({
        MM_SVC_GRPC_PORT: "x",
        MM_AUTO_REGISTER_MODEL_PATH: file,
        MM_AUTO_REGISTER_MODELS: JSON.stringify([
          { modelId: "a", modelInfo: { type: "t", path: "p2" } },
          { modelId: "b", modelInfo: { type: "t" }, retainAfterTransition: true },
        ]),
      }),
    ).toEqual([
      'MM_SVC_GRPC_PORT="x": must be a whole number',
      `MM_AUTO_REGISTER_MODEL_PATH=${file}: [1] (""): modelId must not be empty`,
      `MM_AUTO_REGISTER_MODEL_PATH=${file}: [1] (""): modelInfo is missing`,
      'MM_AUTO_REGISTER_MODELS: [1] ("b"): retainAfterTransition applies only with a vModelId',
      'MM_AUTO_REGISTER_MODELS / MM_AUTO_REGISTER_MODEL_PATH: model "a" is listed twice with different modelInfo',
    ]);
  });

  it("reports an unreadable file and malformed JSON", () => {
    const missing = join(tmpdir(), "mm-static-does-not-exist.json");
    const found = errors({ MM_AUTO_REGISTER_MODEL_PATH: missing, MM_AUTO_REGISTER_MODELS: "[{" });
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(
      /^MM_AUTO_REGISTER_MODEL_PATH=.*mm-static-does-not-exist\.json: cannot read \(ENOENT/,
    );
    expect(found[1]).toMatch(/^MM_AUTO_REGISTER_MODELS: is not valid JSON \(/);
  });

  it("is no longer reported as unsupported", () => {
    const result = loadConfig({ env: { MM_AUTO_REGISTER_MODELS: "[]" }, argv: [] });
    expect(result.kind === "ok" && result.warnings).toEqual([]);
  });
});
