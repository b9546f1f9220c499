/**
 * The error family of `@kaito-ts/workspace-types`. User input never throws through the parse/validate API (it
 * returns results); these errors are for the `…OrThrow` conveniences and for generator/programming faults.
 */

/** What went wrong. */
export type WorkspaceTypesErrorCode =
  /** The object is not a valid Workspace (see `issues`). */
  | "INVALID_WORKSPACE"
  /** `apiVersion` is not `kaito.sh/v1alpha1` or `kaito.sh/v1beta1`. */
  | "UNSUPPORTED_VERSION"
  /** A generated CRD schema broke a structural-schema rule (a bug in the schemas or the generator). */
  | "CRD_NOT_STRUCTURAL";

const BRAND = Symbol.for("@kaito-ts/workspace-types/WorkspaceTypesError");

/** An error of this package: a `code`, a message that says what/where/how to fix, an optional `cause`. */
export class WorkspaceTypesError extends Error {
  /** What went wrong. */
  readonly code: WorkspaceTypesErrorCode;
  /** The individual problems, one line each (`path: message`), when there are several. */
  readonly issues: readonly string[];
  readonly [BRAND] = true;

  constructor(
    code: WorkspaceTypesErrorCode,
    message: string,
    options: { cause?: unknown; issues?: readonly string[] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "WorkspaceTypesError";
    this.code = code;
    this.issues = options.issues ?? [];
  }
}

/** True for a {@link WorkspaceTypesError}, also across copies of the package (checks a `Symbol.for` brand). */
export function isWorkspaceTypesError(e: unknown): e is WorkspaceTypesError {
  return typeof e === "object" && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
}
