#!/usr/bin/env node
// Runs the `modelmesh` executable: the built code (dist/) when present, else, in a clone of the
// repository, the TypeScript source through tsx (Node 20 cannot run .ts itself). Build with:
//   pnpm --filter "@modelmesh/gateway..." build
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const built = new URL("../dist/main.js", import.meta.url);
const source = fileURLToPath(new URL("../src/main.ts", import.meta.url));

function tsxLoader() {
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm")).href;
  } catch {
    return undefined;
  }
}

if (existsSync(built)) {
  await import(built.href);
} else {
  const loader = existsSync(source) ? tsxLoader() : undefined;
  if (loader === undefined) {
    process.stderr.write('modelmesh is not built: run `pnpm --filter "@modelmesh/gateway..." build` first\n');
    process.exit(1);
  }
  // One child running the source; signals are passed on so it can shut down gracefully.
  const child = spawn(
    process.execPath,
    ["--import", loader, "--conditions=@modelmesh/source", source, ...process.argv.slice(2)],
    { stdio: "inherit" },
  );
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)));
}
