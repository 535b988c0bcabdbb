import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** One row of a benchmark's result table. */
export type ResultRow = Readonly<Record<string, string | number>>;

/**
 * Prints a benchmark's results as a Markdown table and writes them as JSON to
 * `bench-results/<name>.json` at the repository root, for BENCHMARKS.md.
 */
export function reportResults(name: string, rows: readonly ResultRow[], notes: readonly string[] = []): void {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const lines = [
    `### ${name}`,
    "",
    `| ${columns.join(" | ")} |`,
    `| ${columns.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${columns.map((c) => String(row[c] ?? "")).join(" | ")} |`),
    ...(notes.length > 0 ? ["", ...notes] : []),
    "",
  ];
  console.log(lines.join("\n"));
  const dir = join(import.meta.dirname, "../../../../bench-results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `${name}.json`),
    `${JSON.stringify({ name, at: new Date().toISOString(), rows, notes }, null, 2)}\n`,
  );
}
