/**
 * The one error family of `@kaito-ts/envtest`: {@link EnvtestError}. Every message says what failed, where (the
 * component and its log file, the CRD, the port) and what to do. Messages never carry keys or tokens.
 */

/**
 * What kind of failure an {@link EnvtestError} is:
 * - `BINARIES_MISSING`: a binary (etcd, kube-apiserver, …) is not in the cache; run `pnpm test-deps`;
 * - `PORT_IN_USE`: a port asked for in the options is already taken;
 * - `COMPONENT_EXITED`: a component exited while starting (the message names its log and quotes its last lines);
 * - `NOT_READY`: a component did not become ready (`/readyz`, `/healthz`) within the start timeout;
 * - `CRD_NOT_ESTABLISHED`: a CustomResourceDefinition was not Established within the timeout;
 * - `TOKEN_REQUEST_FAILED`: the TokenRequest for a service account was refused;
 * - `INVALID_INPUT`: a bad option, object or file given to a function of this package;
 * - `STOPPED`: the control plane was already stopped when it was used;
 * - `TIMEOUT`: {@link eventually} gave up (the message names what it waited for and the check's last error).
 */
export type EnvtestErrorCode =
  | "BINARIES_MISSING"
  | "PORT_IN_USE"
  | "COMPONENT_EXITED"
  | "NOT_READY"
  | "CRD_NOT_ESTABLISHED"
  | "TOKEN_REQUEST_FAILED"
  | "INVALID_INPUT"
  | "STOPPED"
  | "TIMEOUT";

/** Options of {@link EnvtestError}. */
export interface EnvtestErrorOptions {
  /** The component the error is about (`etcd`, `kube-apiserver`, …), when there is one. */
  readonly component?: string;
  /** The component's log file, when there is one. */
  readonly logPath?: string;
  /** The underlying error. */
  readonly cause?: unknown;
}

const BRAND: unique symbol = Symbol.for("@kaito-ts/envtest/EnvtestError") as never;

/** An error from `@kaito-ts/envtest`; `code` says what kind. */
export class EnvtestError extends Error {
  /** Brand checked by {@link isEnvtestError}, valid across copies of this package. */
  readonly [BRAND] = true;
  /** What kind of failure this is. */
  readonly code: EnvtestErrorCode;
  /** The component the error is about, when there is one. */
  readonly component: string | undefined;
  /** The component's log file, when there is one (it is also named in the message). */
  readonly logPath: string | undefined;

  /** Creates an error; `message` must say what is wrong, where, and how to fix it. */
  constructor(code: EnvtestErrorCode, message: string, options: EnvtestErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "EnvtestError";
    this.code = code;
    this.component = options.component;
    this.logPath = options.logPath;
  }
}

/** True when `e` is an {@link EnvtestError} (also across copies of this package, via a `Symbol.for` brand). */
export function isEnvtestError(e: unknown): e is EnvtestError {
  return typeof e === "object" && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
}
