import type { LogFields, Logger } from "@modelmesh/core";
import { type DestinationStream, type Logger as PinoLogger, pino } from "pino";
import type { LogLevel } from "./config/sections/behaviour.js";

const LEVEL_VALUES: Readonly<Record<LogLevel, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
};

/**
 * The level the whole process logs at, changeable while it runs (the store's `config/logger_level`,
 * docs/logging.md). Every logger derived from one root shares it, so a change reaches the child
 * loggers components created at start too (pino's own per-child levels would not).
 */
export class LiveLogLevel {
  readonly #configured: LogLevel;
  #level: LogLevel;
  #value: number;

  /** Starts at `configured` (`MM_LOG_LEVEL`). */
  constructor(configured: LogLevel) {
    this.#configured = configured;
    this.#level = configured;
    this.#value = LEVEL_VALUES[configured];
  }

  /** The level in force. */
  get level(): LogLevel {
    return this.#level;
  }

  /** Logs at `level` from now on; undefined goes back to the configured level. */
  set(level: LogLevel | undefined): void {
    this.#level = level ?? this.#configured;
    this.#value = LEVEL_VALUES[this.#level];
  }

  /** True when lines at `level` are written. */
  enabled(level: LogLevel): boolean {
    return LEVEL_VALUES[level] >= this.#value;
  }
}

/**
 * Creates the process's root pino logger: JSON lines on stdout (or `destination`), as log
 * collectors expect. It
 * writes every level: {@link toLoggerPort} filters by the {@link LiveLogLevel}.
 */
export function createRootLogger(destination?: DestinationStream): PinoLogger {
  const options = {
    level: "trace",
    base: null,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

type Method = "debug" | "info" | "warn" | "error";

/** Keys pino writes itself on every line; a field of that name is written as `_<name>`. */
const RESERVED = new Set(["level", "time", "msg"]);

function fieldName(key: string): string {
  return RESERVED.has(key) ? `_${key}` : key;
}

/**
 * Adapts a pino logger to the core's narrow {@link Logger} port, with `base` fields on every line.
 * Each field appears once per line: a child's field that is already bound with the same value is
 * not bound again, one with another value replaces it, and a line's own field replaces a bound one;
 * a field named like pino's own keys (`level`, `time`, `msg`) is written as `_level`, ... (pino
 * alone would write such keys twice, and JSON readers keep only one of them, silently).
 */
export function toLoggerPort(root: PinoLogger, options: { level: LiveLogLevel; base?: LogFields }): Logger {
  return portOf(root, options.level, { ...options.base }, root.child({ ...options.base }));
}

function portOf(
  root: PinoLogger,
  level: LiveLogLevel,
  bound: Readonly<Record<string, unknown>>,
  pinoLogger: PinoLogger,
): Logger {
  const write = (method: Method, fields: LogFields, message: string) => {
    if (!level.enabled(method)) return;
    let clash = false;
    for (const key in fields) {
      if (key in bound || RESERVED.has(key)) {
        clash = true;
        break;
      }
    }
    if (!clash) {
      pinoLogger[method](fields, message);
      return;
    }
    // Rare: a line repeats a bound field. Bind the line's values in a one-off child instead.
    const merged: Record<string, unknown> = { ...bound };
    for (const [key, value] of Object.entries(fields)) merged[fieldName(key)] = value;
    root.child(merged)[method](message);
  };
  return {
    debug: (fields, message) => write("debug", fields, message),
    info: (fields, message) => write("info", fields, message),
    warn: (fields, message) => write("warn", fields, message),
    error: (fields, message) => write("error", fields, message),
    isDebugEnabled: () => level.enabled("debug"),
    child: (fields) => {
      let fresh: Record<string, unknown> | undefined;
      let replaces = false;
      for (const [field, value] of Object.entries(fields)) {
        const key = fieldName(field);
        if (key in bound) {
          if (bound[key] === value) continue;
          replaces = true;
        }
        fresh ??= {};
        fresh[key] = value;
      }
      if (fresh === undefined) return portOf(root, level, bound, pinoLogger);
      const merged = { ...bound, ...fresh };
      // A replaced value must not sit next to the old one: rebuild from the root with every field once.
      const next = replaces ? root.child(merged) : pinoLogger.child(fresh);
      return portOf(root, level, merged, next);
    },
  };
}
