import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { GATEWAY_SOAK_TESTS, projectConfig } from "./vitest.shared.js";

// Runs every workspace project's tests in one process pool: `pnpm test:vitest`. The gateway's
// soak tests form a project of their own in a later group: they start once every other file is
// done, so nothing else competes with them for the cores, and they with nothing.
export default defineConfig({
  test: {
    projects: [
      "packages/*/vitest.config.ts",
      "apps/*/vitest.config.ts",
      {
        ...projectConfig({
          name: "gateway-soak",
          testTimeoutMs: 600_000,
          include: GATEWAY_SOAK_TESTS,
          groupOrder: 1,
        }),
        root: fileURLToPath(new URL("./apps/gateway", import.meta.url)),
      },
    ],
  },
});
