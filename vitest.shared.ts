import type { ViteUserConfig } from "vitest/config";

/** Options for {@link projectConfig}. */
export interface ProjectConfigOptions {
  /** Project name shown in test output. */
  readonly name: string;
  /** Per-test timeout in milliseconds; integration projects raise it. Default 5000. */
  readonly testTimeoutMs?: number;
  /** Test files, relative to the project. Default every `*.test.ts` under `src/` and `test/`. */
  readonly include?: readonly string[];
  /** Test files left out, relative to the project. Default none. */
  readonly exclude?: readonly string[];
  /**
   * Projects run in groups of the same order, lowest first, one group after the other. Default 0;
   * a soak that loads every core gets a later group, so it runs alone after the rest.
   */
  readonly groupOrder?: number;
}

/**
 * The vitest settings every workspace package shares: resolve workspace packages to their
 * TypeScript source (the `@modelmesh/source` export condition), so tests never need a build.
 */
export function projectConfig(options: ProjectConfigOptions): ViteUserConfig {
  // Vite's default server conditions, with ours first and without "module": that one is a
  // bundlers' convention Node never applies, and it made @opentelemetry/api (required by
  // prom-client) resolve to an ESM build Node cannot load.
  const conditions = ["@modelmesh/source", "node", "development|production"];
  return {
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ["@modelmesh/source"] } },
    test: {
      name: options.name,
      include: [...(options.include ?? ["src/**/*.test.ts", "test/**/*.test.ts"])],
      ...(options.exclude === undefined ? {} : { exclude: [...options.exclude, "**/node_modules/**"] }),
      ...(options.groupOrder === undefined ? {} : { sequence: { groupOrder: options.groupOrder } }),
      testTimeout: options.testTimeoutMs ?? 5000,
      hookTimeout: Math.max(options.testTimeoutMs ?? 5000, 30000),
    },
  };
}

/**
 * Gateway test files that keep both cores busy for most of a minute (thousands of relayed 1 MiB
 * answers). Run beside the cluster tests, they starve those tests' processes of CPU and make their
 * timing assertions fail; they run alone, after every other file, instead.
 */
export const GATEWAY_SOAK_TESTS: readonly string[] = ["test/hostile/relay-memory.test.ts"];

/**
 * Gateway test files that build the container image's contents (`scripts/image-contents`: tsc
 * over every package, then `pnpm deploy`), which keeps both cores busy for about a minute. Beside
 * the cluster tests that starves their timing; they run in a group of their own after the soaks.
 */
export const GATEWAY_IMAGE_TESTS: readonly string[] = ["test/image/image-contents.test.ts"];
