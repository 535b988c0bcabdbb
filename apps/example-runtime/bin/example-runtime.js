#!/usr/bin/env node
// Runs the built example runtime. Build it first, with the packages it uses:
//   pnpm --filter @modelmesh/example-runtime... build
import { existsSync } from "node:fs";

const main = new URL("../dist/main.js", import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(
    "example-runtime is not built: run `pnpm --filter @modelmesh/example-runtime... build` first\n",
  );
  process.exit(1);
}
await import(main.href);
