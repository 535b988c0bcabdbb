/** Structured fields attached to a log line. */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * The narrow logging port the core and adapters use; the apps back it with pino. Fields come
 * first, the message second, as in pino.
 */
export interface Logger {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
  /** True when debug lines are kept, so hot paths can skip building them. */
  isDebugEnabled(): boolean;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

function noop(): void {}

/** A logger that drops everything: the default when none is given. */
export const noopLogger: Logger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  isDebugEnabled: () => false,
  child: () => noopLogger,
};
