/**
 * The one error family of the image rehearsal. Codes:
 *
 * | code | meaning |
 * |---|---|
 * | `PARSE_ERROR` | the Dockerfile is malformed (no FROM, an instruction without arguments, a dangling `\`) |
 * | `UNSUPPORTED_INSTRUCTION` | an instruction, flag or form the rehearsal does not interpret (it refuses, never ignores) |
 * | `BUILD_FAILED` | a step failed while building a stage (COPY source missing, RUN exited non-zero) |
 * | `IMAGE_CHECK_FAILED` | the built image broke a rule (writable files, devDependencies, escaping symlinks) |
 * | `SMOKE_FAILED` | running the image's entrypoint did not do what its smoke check expects |
 */

/** What went wrong; see the table above. */
export type RehearsalErrorCode =
  | "PARSE_ERROR"
  | "UNSUPPORTED_INSTRUCTION"
  | "BUILD_FAILED"
  | "IMAGE_CHECK_FAILED"
  | "SMOKE_FAILED";

/** An error of the image rehearsal; the message names the Dockerfile line or the image path and what to do. */
export class RehearsalError extends Error {
  /** What went wrong. */
  readonly code: RehearsalErrorCode;

  /** Creates an error with a code, a message and an optional cause. */
  constructor(code: RehearsalErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RehearsalError";
    this.code = code;
  }
}

/** True when `e` is a {@link RehearsalError}. */
export function isRehearsalError(e: unknown): e is RehearsalError {
  return e instanceof RehearsalError;
}
