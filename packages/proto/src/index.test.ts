import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import * as index from "./index.js";

const genDir = join(import.meta.dirname, "gen");

function generatedFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? generatedFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

describe("index.ts", () => {
  const indexSource = readFileSync(join(import.meta.dirname, "index.ts"), "utf8");
  for (const file of generatedFiles(genDir)) {
    const source = readFileSync(file, "utf8");
    const name = relative(genDir, file);
    it(`re-exports every value of gen/${name}`, () => {
      const values = [...source.matchAll(/^export (?:const|enum) (\w+)/gm)].map((m) => m[1]);
      const missing = values.filter((v) => v !== undefined && !(v in index));
      expect(missing).toEqual([]);
    });
    it(`re-exports every type of gen/${name}`, () => {
      const types = [...source.matchAll(/^export type (\w+)/gm)].map((m) => m[1] ?? "");
      const missing = types.filter((t) => !new RegExp(`\\b${t},`).test(indexSource));
      expect(missing).toEqual([]);
    });
  }
});
