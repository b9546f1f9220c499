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

/**
 * A logger that adds `fields` to every line: `logger.child(fields)` when the logger has `child` (pino), else a thin
 * wrapper that merges them into each call's fields (the call's own fields win). The silent logger stays itself.
 */
export function childLogger(logger: RuntimeLogger, fields: Record<string, unknown>): RuntimeLogger {
  if (logger.child !== undefined) return logger.child(fields);
  if (logger === silentLogger) return logger;
  return {
    debug: (f, m) => logger.debug({ ...fields, ...f }, m),
    info: (f, m) => logger.info({ ...fields, ...f }, m),
    warn: (f, m) => logger.warn({ ...fields, ...f }, m),
    error: (f, m) => logger.error({ ...fields, ...f }, m),
    child: (more) => childLogger(logger, { ...fields, ...more }),
  };
}
