/**
 * The operator's logger: pino JSON lines with `workspace`, `namespace` and `reconcileID` on every line a reconcile
 * writes (the controller's `key` binding `<namespace>/<name>` is split into the two), and secrets redacted.
 */
import { type DestinationStream, type Logger, pino } from "pino";
import type { RuntimeLogger } from "@kaito-ts/reconciler-core";
import type { LogLevel } from "./config.ts";

/** Paths pino replaces with `[redacted]`: tokens, passwords, push/pull secrets, Azure credentials. */
export const REDACTED_PATHS: readonly string[] = [
  "token",
  "*.token",
  "password",
  "*.password",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "clientSecret",
  "*.clientSecret",
  "data",
  "*.data",
  "stringData",
  "*.stringData",
  "dockerconfigjson",
  "*.dockerconfigjson",
  "bearerToken",
  "*.bearerToken",
];

/**
 * A pino logger for the operator; pass a destination to capture the lines (tests), else stdout.
 * @example createOperatorLogger("info").info({ workspace: "ws", namespace: "default" }, "hello")
 */
export function createOperatorLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { component: "kaito-ts-operator" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...REDACTED_PATHS], censor: "[redacted]" },
      formatters: {
        level: (label) => ({ level: label }),
      },
    },
    destination,
  );
}

/** Split the controller's `key` (`<namespace>/<name>`) into `namespace` and `workspace` fields. */
export function withWorkspaceFields(fields: Record<string, unknown>): Record<string, unknown> {
  const key = fields.key;
  if (typeof key !== "string" || !key.includes("/") || fields.workspace !== undefined) return fields;
  const [namespace, workspace] = key.split("/", 2);
  return { ...fields, namespace, workspace };
}

/**
 * The pino logger as reconciler-core's {@link RuntimeLogger}: child loggers of a reconcile (fields `key`,
 * `reconcileID`) also carry `workspace` and `namespace`.
 */
export function toRuntimeLogger(logger: Logger): RuntimeLogger {
  return {
    debug: (f, m) => logger.debug(f, m),
    info: (f, m) => logger.info(f, m),
    warn: (f, m) => logger.warn(f, m),
    error: (f, m) => logger.error(f, m),
    child: (fields) => toRuntimeLogger(logger.child(withWorkspaceFields(fields))),
  };
}
