import { readFileSync } from "node:fs";
import { parseTypeConstraints, type TypeConstraintConfig } from "@modelmesh/server";
import { text } from "../parsers.js";
import type { ConfigReader } from "../reader.js";

/** Where model types may run (§9.7): inline JSON, or a file the mesh re-reads when it changes. */
export type TypeConstraintsSection =
  | { readonly kind: "none" }
  | { readonly kind: "inline"; readonly constraints: TypeConstraintConfig }
  | { readonly kind: "file"; readonly path: string };

type Result<T> = { ok: true; value: T } | { ok: false; error: string };

function parseInline(raw: string): Result<TypeConstraintConfig> {
  try {
    return { ok: true, value: parseTypeConstraints(raw) };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Reads `MM_TYPE_CONSTRAINTS` (JSON) or `MM_TYPE_CONSTRAINTS_PATH` (a JSON file, checked now and
 * hot-reloaded by the mesh); both set is an error.
 */
export function readTypeConstraintsSection(r: ConfigReader): TypeConstraintsSection {
  const inline = r.read(
    { env: "MM_TYPE_CONSTRAINTS", description: "model type placement constraints (JSON)" },
    parseInline,
  );
  const path = r.read(
    {
      env: "MM_TYPE_CONSTRAINTS_PATH",
      description: "model type placement constraints file (JSON, re-read on change)",
    },
    text,
  );
  if (inline && path) {
    r.fail("MM_TYPE_CONSTRAINTS and MM_TYPE_CONSTRAINTS_PATH are mutually exclusive");
    return { kind: "none" };
  }
  if (inline) return { kind: "inline", constraints: inline };
  if (path === undefined) return { kind: "none" };
  try {
    parseTypeConstraints(readFileSync(path, "utf8"));
  } catch (e) {
    r.fail(`MM_TYPE_CONSTRAINTS_PATH=${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { kind: "file", path };
}
