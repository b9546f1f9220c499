/**
 * The logger the runtime writes to: the subset of pino's API it uses (`logger.warn({ err, key }, "message")`), so a
 * pino logger can be passed as is. The default logs nothing.
 */

/** One log method: fields first, then the message (pino's order). */
export type LogFn = (fields: Record<string, unknown>, message: string) => void;

/** A pino-compatible logger. */
export interface RuntimeLogger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  /** A child logger with fixed fields (pino's `child`); optional. */
  child?(fields: Record<string, unknown>): RuntimeLogger;
}

const noop: LogFn = () => {};

/** A logger that drops everything. */
export const silentLogger: RuntimeLogger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

/** `logger.child(fields)` when the logger has `child`, else the logger itself. */
export function childLogger(logger: RuntimeLogger, fields: Record<string, unknown>): RuntimeLogger {
  return logger.child !== undefined ? logger.child(fields) : logger;
}
