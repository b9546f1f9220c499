/**
 * The one error family of `@kaito-ts/operator`: {@link OperatorError}, with a `code` from {@link OperatorErrorCode}.
 * The `kaito` CLI prints an `OperatorError` as one `error: …` line and exits 2.
 */

/**
 * What went wrong, as a machine-readable code:
 * - `INVALID_USAGE`: a command was called with arguments or options it cannot use (the message names them);
 * - `INPUT_UNREADABLE`: an input file does not exist, is a folder, or cannot be read;
 * - `UNKNOWN_NAME`: a preset or instance type named on the command line is not in the catalog;
 * - `MISSING_DEPENDENCY`: an optional package a command needs is not installed (e.g. `@kaito-ts/cluster-sim` for
 *   `kaito cluster up`);
 * - `UNSUPPORTED_ENVIRONMENT`: the command cannot run where it was started (e.g. nothing can interrupt it).
 */
export type OperatorErrorCode =
  | "INVALID_USAGE"
  | "INPUT_UNREADABLE"
  | "UNKNOWN_NAME"
  | "MISSING_DEPENDENCY"
  | "UNSUPPORTED_ENVIRONMENT";

const BRAND: unique symbol = Symbol.for("@kaito-ts/operator/OperatorError") as never;

/** An error of the operator or the `kaito` CLI: the message says what is wrong, where, and what to do. */
export class OperatorError extends Error {
  override readonly name = "OperatorError";
  /** Machine-readable reason. */
  readonly code: OperatorErrorCode;
  readonly [BRAND] = true;

  constructor(code: OperatorErrorCode, message: string, options?: { readonly cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/** True when `e` is an {@link OperatorError} (also across copies of this package, via a `Symbol.for` brand). */
export function isOperatorError(e: unknown): e is OperatorError {
  return typeof e === "object" && e !== null && (e as Record<PropertyKey, unknown>)[BRAND] === true;
}
