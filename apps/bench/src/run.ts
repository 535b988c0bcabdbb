import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";

// Runs each `*.bench.ts` under src/ in its own process (so one benchmark's heap and JIT state do
// not affect the next), in name order. Arguments filter by substring of the file path.
const srcDir = import.meta.dirname;
const filters = process.argv.slice(2);

function benchFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? benchFiles(join(dir, e.name))
        : e.name.endsWith(".bench.ts")
          ? [join(dir, e.name)]
          : [],
    )
    .sort();
}

const selected = benchFiles(srcDir).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (selected.length === 0) {
  console.error(`no benchmark matches ${filters.join(", ")}`);
  process.exit(1);
}
let failures = 0;
for (const file of selected) {
  console.log(`\n## ${relative(srcDir, file)}\n`);
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx/esm", "--conditions=@modelmesh/source", "--expose-gc", file],
    { stdio: "inherit", cwd: join(srcDir, "..") },
  );
  if (result.status !== 0) failures++;
}
process.exit(failures === 0 ? 0 : 1);
