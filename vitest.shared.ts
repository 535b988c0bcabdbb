import type { ViteUserConfig } from "vitest/config";

/** Options for {@link projectConfig}. */
export interface ProjectConfigOptions {
  /** Project name shown in test output. */
  readonly name: string;
  /** Per-test timeout in milliseconds; integration projects raise it. Default 5000. */
  readonly testTimeoutMs?: number;
}

/**
 * The vitest settings every workspace package shares: resolve workspace packages to their
 * TypeScript source (the `@modelmesh/source` export condition), so tests never need a build.
 */
export function projectConfig(options: ProjectConfigOptions): ViteUserConfig {
  // Vite's default server conditions, with ours first.
  const conditions = ["@modelmesh/source", "module", "node", "development|production"];
  return {
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ["@modelmesh/source"] } },
    test: {
      name: options.name,
      include: ["src/**/*.test.ts", "test/**/*.test.ts"],
      testTimeout: options.testTimeoutMs ?? 5000,
      hookTimeout: Math.max(options.testTimeoutMs ?? 5000, 30000),
    },
  };
}
