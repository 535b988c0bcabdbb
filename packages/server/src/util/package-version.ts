import { createRequire } from "node:module";

/**
 * The version of `@modelmesh/server` from its `package.json`. The manifest sits two folders above
 * this file both in the sources (`src/util/`) and in the build (`dist/util/`), and is always part of
 * the published package.
 */
export function serverPackageVersion(): string {
  const manifest: unknown = createRequire(import.meta.url)("../../package.json");
  const version = (manifest as { version?: unknown }).version;
  return typeof version === "string" ? version : "unknown";
}
