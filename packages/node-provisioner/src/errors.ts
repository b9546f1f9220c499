/**
 * The one error family of `@kaito-ts/node-provisioner`: {@link NodeProvisionerError}. Messages say what failed,
 * on which object, and what to do; they never carry a secret (tokens and credentials are scrubbed by
 * {@link redactSecrets} before a message is built from anything a server or SDK returned).
 */

/**
 * Every code a {@link NodeProvisionerError} can carry:
 * - `INVALID_REQUEST`: the Workspace or request cannot be provisioned as given (no UID, no instance type, a bad
 *   label selector, a node count below 1, an unknown preset) — fix the Workspace;
 * - `INVALID_OPTIONS`: a provisioner was constructed with unusable options — fix the caller;
 * - `KUBERNETES_REQUEST_FAILED`: a Kubernetes API call through the port failed (retry; see `cause`);
 * - `AZURE_REQUEST_FAILED`: an Azure Resource Manager call failed other than with the provider errors that are
 *   reported as readiness (retry; see `cause`);
 * - `AZURE_AUTH_FAILED`: no Azure token could be obtained (configure workload identity or the credential).
 */
export type NodeProvisionerErrorCode =
  | "INVALID_REQUEST"
  | "INVALID_OPTIONS"
  | "KUBERNETES_REQUEST_FAILED"
  | "AZURE_REQUEST_FAILED"
  | "AZURE_AUTH_FAILED";

/** Every {@link NodeProvisionerErrorCode}, for tables and exhaustive tests. */
export const NODE_PROVISIONER_ERROR_CODES: readonly NodeProvisionerErrorCode[] = [
  "INVALID_REQUEST",
  "INVALID_OPTIONS",
  "KUBERNETES_REQUEST_FAILED",
  "AZURE_REQUEST_FAILED",
  "AZURE_AUTH_FAILED",
];

const BRAND: unique symbol = Symbol.for("@kaito-ts/node-provisioner/NodeProvisionerError") as never;

/** An error from a node provisioner; `code` says what kind. */
export class NodeProvisionerError extends Error {
  /** Brand checked by {@link isNodeProvisionerError}, valid across copies of this package. */
  readonly [BRAND] = true;
  /** What kind of failure this is. */
  readonly code: NodeProvisionerErrorCode;
  /** HTTP status of the failed call, when there was one. */
  readonly status: number | undefined;
  /** When the server said when to retry (`Retry-After`), in milliseconds. */
  readonly retryAfterMs: number | undefined;

  /** @param message - What, where, what to do; must not contain secrets. */
  constructor(
    code: NodeProvisionerErrorCode,
    message: string,
    options: {
      readonly cause?: unknown;
      readonly status?: number | undefined;
      readonly retryAfterMs?: number | undefined;
    } = {},
  ) {
    super(redactSecrets(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "NodeProvisionerError";
    this.code = code;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Whether `value` is a {@link NodeProvisionerError} (from any copy of this package). */
export function isNodeProvisionerError(value: unknown): value is NodeProvisionerError {
  return typeof value === "object" && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
}

const SECRET_PATTERNS: readonly RegExp[] = [
  /(bearer\s+)[A-Za-z0-9._~+/=-]+/gi,
  /(\b(?:access_token|client_secret|refresh_token|id_token|password|sig|token)["']?\s*[=:]\s*["']?)[^"'&\s,}]+/gi,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g,
];

/** `text` with bearer tokens, JWTs and `token=`/`client_secret=`-style values replaced by `[REDACTED]`. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const re of SECRET_PATTERNS) {
    out = out.replace(re, (match, prefix: unknown) =>
      typeof prefix === "string" && prefix !== match ? `${prefix}[REDACTED]` : "[REDACTED]",
    );
  }
  return out;
}

/** A short, secret-free description of any thrown value, for messages. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? error.message : typeof error === "string" ? error : String(error);
  return redactSecrets(text);
}
