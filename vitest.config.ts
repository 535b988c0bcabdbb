import { defineConfig } from "vitest/config";

// Runs every workspace project's tests in one process pool: `pnpm test:vitest`.
export default defineConfig({
  test: {
    projects: ["packages/*/vitest.config.ts", "apps/*/vitest.config.ts"],
  },
});
