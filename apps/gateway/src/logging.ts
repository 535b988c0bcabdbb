import type { LogFields, Logger } from "@modelmesh/core";
import { type Logger as PinoLogger, pino } from "pino";
import type { LogLevel } from "./config/sections/behaviour.js";

/** Creates the process's root logger: JSON lines on stdout, as log collectors expect. */
export function createRootLogger(options: { level: LogLevel; base?: LogFields }): PinoLogger {
  return pino({
    level: options.level,
    base: { ...options.base },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}

/** Adapts a pino logger to the core's narrow {@link Logger} port. */
export function toLoggerPort(logger: PinoLogger): Logger {
  return {
    debug: (fields, message) => logger.debug(fields, message),
    info: (fields, message) => logger.info(fields, message),
    warn: (fields, message) => logger.warn(fields, message),
    error: (fields, message) => logger.error(fields, message),
    isDebugEnabled: () => logger.isLevelEnabled("debug"),
    child: (fields) => toLoggerPort(logger.child(fields)),
  };
}
