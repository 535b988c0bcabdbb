import { type KvTable, type Logger, MeshError, type TableMirror } from "@modelmesh/core";

/** Log levels the store's `config/logger_level` may name (case-insensitive). */
export const MESH_LOG_LEVELS = ["trace", "debug", "info", "warn", "error"] as const;

/** One of {@link MESH_LOG_LEVELS}. */
export type MeshLogLevel = (typeof MESH_LOG_LEVELS)[number];

/** The dynamic config keys this instance follows (docs/logging.md). */
export const DynamicConfigKey = {
  loggerLevel: "logger_level",
  logEachInvocation: "log_each_invocation",
  disable: "disable",
} as const;

/** Where the followed values go. */
export interface DynamicConfigTargets {
  /**
   * The store's `logger_level` changed: the level to log at now, or undefined to go back to the
   * host's configured level (key deleted or invalid).
   */
  readonly setLogLevel?: (level: MeshLogLevel | undefined) => void;
  /** `log_each_invocation` changed: the value in force now (the static option when unset). */
  readonly setLogEachInvocation: (enabled: boolean) => void;
}

function parseLevel(raw: string): MeshLogLevel | undefined {
  const value = raw.trim().toLowerCase();
  // log4j's name for warn, as operators of the original may have written it.
  const level = value === "warning" ? "warn" : value;
  return (MESH_LOG_LEVELS as readonly string[]).includes(level) ? (level as MeshLogLevel) : undefined;
}

function parseBoolean(raw: string): boolean | undefined {
  const value = raw.trim().toLowerCase();
  if (value === "true") return true;
  if (value === "false") return false;
  return undefined;
}

/**
 * Follows the store's `config/` table (`/<prefix>/<service>/config/<key>`) for the keys that change
 * a running instance: `logger_level` and `log_each_invocation`, applied as soon as the watch
 * delivers them; and `disable`, checked once at start (any value but `false` refuses to start).
 * Invalid values are logged once per change and the configured value applies.
 */
export class DynamicConfig {
  readonly #targets: DynamicConfigTargets;
  readonly #staticLogEach: boolean;
  readonly #logger: Logger;
  #mirror: TableMirror<string> | undefined;
  #unsubscribe: (() => void) | undefined;
  readonly #seen = new Map<string, string | undefined>();

  constructor(options: { targets: DynamicConfigTargets; staticLogEachInvocation: boolean; logger: Logger }) {
    this.#targets = options.targets;
    this.#staticLogEach = options.staticLogEachInvocation;
    this.#logger = options.logger;
  }

  /**
   * Loads the table and applies what it holds; rejects with a `FAILED_PRECONDITION` error when
   * `disable` is set to anything but `false`. Changes are followed until {@link close}.
   */
  async start(config: KvTable<string>): Promise<void> {
    const mirror = config.mirror();
    this.#mirror = mirror;
    await mirror.ready;
    const disabled = mirror.get(DynamicConfigKey.disable)?.value;
    if (disabled !== undefined && disabled.trim().toLowerCase() !== "false") {
      this.close();
      throw new MeshError(
        "FAILED_PRECONDITION",
        `this ModelMesh service is disabled: the store's config key "disable" is "${disabled}" (delete it or set it to "false")`,
      );
    }
    this.#unsubscribe = mirror.subscribe(() => this.#refresh());
    this.#refresh();
  }

  /** Stops following the store. */
  close(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#mirror?.close();
    this.#mirror = undefined;
  }

  /** True when `key` holds a different raw value than last time (so each change is acted on once). */
  #changed(key: string): { changed: boolean; raw: string | undefined } {
    const raw = this.#mirror?.get(key)?.value;
    const changed = !this.#seen.has(key) || this.#seen.get(key) !== raw;
    this.#seen.set(key, raw);
    return { changed, raw };
  }

  #refresh(): void {
    const first = this.#seen.size === 0;
    const level = this.#changed(DynamicConfigKey.loggerLevel);
    // At start an absent key changes nothing; later, a deleted key restores the configured level.
    if (level.changed && !(first && level.raw === undefined)) this.#applyLevel(level.raw);
    const logEach = this.#changed(DynamicConfigKey.logEachInvocation);
    if (logEach.changed) this.#applyLogEach(logEach.raw);
  }

  #applyLevel(raw: string | undefined): void {
    // A host that gave no way to change its level: the key means nothing here.
    if (this.#targets.setLogLevel === undefined) return;
    const level = raw === undefined ? undefined : parseLevel(raw);
    if (raw !== undefined && level === undefined) {
      this.#logger.warn(
        { key: DynamicConfigKey.loggerLevel, value: raw, allowed: MESH_LOG_LEVELS },
        "ignoring invalid dynamic log level; the configured level applies",
      );
    }
    // Logged at warn before the change, so neither the old nor a quieter new level hides it.
    this.#logger.warn(
      { key: DynamicConfigKey.loggerLevel, logLevel: level ?? "configured" },
      "log level changed by the store's config",
    );
    this.#targets.setLogLevel(level);
  }

  #applyLogEach(raw: string | undefined): void {
    let enabled = this.#staticLogEach;
    if (raw !== undefined) {
      const parsed = parseBoolean(raw);
      if (parsed === undefined) {
        this.#logger.warn(
          { key: DynamicConfigKey.logEachInvocation, value: raw },
          "ignoring invalid log_each_invocation (true or false); the configured value applies",
        );
      } else enabled = parsed;
    }
    this.#targets.setLogEachInvocation(enabled);
  }
}
