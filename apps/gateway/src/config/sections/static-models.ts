import { readFileSync } from "node:fs";
import type { StaticModel } from "@modelmesh/server";
import { text } from "../parsers.js";
import type { ConfigReader } from "../reader.js";
import { mergeStaticModels, type ParsedStaticModels, parseStaticModels } from "./parse-static-models.js";

/** `MM_AUTO_REGISTER_MODELS` and `MM_AUTO_REGISTER_MODEL_PATH`: models registered while starting. */
export interface StaticRegistrationSection {
  /** The file's models first, then the inline ones; empty when neither is set. */
  readonly staticModels: readonly StaticModel[];
}

const INLINE = "MM_AUTO_REGISTER_MODELS";
const FILE = "MM_AUTO_REGISTER_MODEL_PATH";

const keep = (raw: string) => ({ ok: true as const, value: raw });

function readModelsFile(path: string): ParsedStaticModels {
  let content: string;
  try {
    content = readFileSync(path, "utf8");
  } catch (e) {
    return { models: [], errors: [`cannot read (${e instanceof Error ? e.message : String(e)})`] };
  }
  return parseStaticModels(content);
}

/**
 * Reads the static registrations: a JSON list (or one object) inline, in a file, or both (both
 * are used, the file's first, as the original). Each spelling of the original's variable names
 * is accepted (`MM_AUTO_REGISTER_MODEL` and `MM_AUTO_REGISTER_MODELS_PATH` too). Every problem,
 * of either source, is reported with the other configuration errors.
 */
export function readStaticRegistrationSection(r: ConfigReader): StaticRegistrationSection {
  const inline = r.read(
    {
      env: [INLINE, "MM_AUTO_REGISTER_MODEL"],
      flag: "auto-register-models",
      aliasesDeprecated: false,
      description: "models to register at start (JSON list of {modelId, modelInfo, ensureLoaded, ...})",
    },
    keep,
  );
  const path = r.read(
    {
      env: [FILE, "MM_AUTO_REGISTER_MODELS_PATH"],
      flag: "auto-register-models-path",
      aliasesDeprecated: false,
      description: "file of models to register at start (same JSON as --auto-register-models)",
    },
    text,
  );
  const fromFile = path === undefined ? { models: [], errors: [] } : readModelsFile(path);
  const fromEnv = inline === undefined ? { models: [], errors: [] } : parseStaticModels(inline);
  for (const e of fromFile.errors) r.fail(`${FILE}=${path}: ${e}`);
  for (const e of fromEnv.errors) r.fail(`${INLINE}: ${e}`);
  const merged = mergeStaticModels([fromFile.models, fromEnv.models]);
  for (const e of merged.errors) r.fail(`${INLINE} / ${FILE}: ${e}`);
  return { staticModels: merged.models };
}
