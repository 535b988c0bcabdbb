import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { GATEWAY_IMAGE_TESTS, GATEWAY_SOAK_TESTS, projectConfig } from "./vitest.shared.js";

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
      // Building the image's contents loads both cores for a minute: alone, after the soaks.
      {
        ...projectConfig({
          name: "gateway-image",
          testTimeoutMs: 120_000,
          include: GATEWAY_IMAGE_TESTS,
          groupOrder: 2,
        }),
        root: fileURLToPath(new URL("./apps/gateway", import.meta.url)),
      },
    ],
  },
});
