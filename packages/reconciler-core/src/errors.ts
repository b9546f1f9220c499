/**
 * The one error family of `@kaito-ts/reconciler-core`: {@link ReconcilerError}. Kubernetes API failures are mapped
 * into it once, in the REST client; the controller runtime and the state machine add their own codes. Messages say
 * what failed, on which object or URL path, and what to do; they never carry tokens or secret contents.
 *
 * Codes are additive: other modules of this package may append to {@link RECONCILER_ERROR_CODES}.
 */

/**
 * Every code a {@link ReconcilerError} can carry.
 * - API answers: `NOT_FOUND` (404), `ALREADY_EXISTS` (409 AlreadyExists), `CONFLICT` (409 Conflict: stale
 *   resourceVersion or apply conflict), `INVALID` (422), `BAD_REQUEST` (400), `UNAUTHORIZED` (401), `FORBIDDEN`
 *   (403), `GONE` (410 Expired: a watch or list from a compacted resourceVersion), `TOO_MANY_REQUESTS` (429),
 *   `SERVER_ERROR` (5xx), `UNEXPECTED_RESPONSE` (an answer that is not the Kubernetes wire format);
 * - `UNREACHABLE`: no HTTP answer at all (refused, reset, DNS, timeout);
 * - `NOT_LEADER`: a write refused locally because this replica does not hold (or could not renew) the leader Lease;
 * - `SHUT_DOWN`: an operation on a queue, informer or manager that has been stopped;
 * - `INVALID_ARGUMENT`: a caller passed an option or object the runtime cannot use;
 * - `CACHE_NOT_SYNCED`: an informer did not finish its first list before the deadline;
 * - `INVALID_WORKSPACE`: a Workspace that passed admission but cannot be served (unknown preset, unknown SKU, missing
 *   secret, malformed tuning ConfigMap); the state machine reports it in a condition and retries with back-off.
 * - `SECRET_NOT_FOUND`: a Secret the Workspace names does not exist (the push secret of a tuning output image).
 * - builder codes (a Workspace the pure builders cannot turn into objects): `UNKNOWN_PRESET`, `UNKNOWN_INSTANCE_TYPE`,
 *   `NODE_ESTIMATE_FAILED`, `UNSUPPORTED_RUNTIME`, `PRESET_NOT_TUNABLE`, `TUNING_CONFIG_INVALID`,
 *   `INFERENCE_CONFIG_INVALID`, `REVISION_CONFLICT` (each documented at its entry below).
 */
export const RECONCILER_ERROR_CODES = [
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "CONFLICT",
  "INVALID",
  "BAD_REQUEST",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "GONE",
  "TOO_MANY_REQUESTS",
  "SERVER_ERROR",
  "UNEXPECTED_RESPONSE",
  "UNREACHABLE",
  "NOT_LEADER",
  "SHUT_DOWN",
  "INVALID_ARGUMENT",
  "CACHE_NOT_SYNCED",
  "INVALID_WORKSPACE",
  /** A Secret the Workspace names (e.g. `tuning.output.imagePushSecret`) does not exist in its namespace. */
  "SECRET_NOT_FOUND",
  // The builders (src/builders): a Workspace that cannot be turned into objects; the message names the field and the fix.
  /** The preset name is not in this catalog version (`inference.preset.name` / `tuning.preset.name`). */
  "UNKNOWN_PRESET",
  /** `resource.instanceType` is not in the cloud's SKU table and no GPU details of BYO nodes were given. */
  "UNKNOWN_INSTANCE_TYPE",
  /** The vLLM node estimator cannot size the Workspace (GPUs too small, model cannot span nodes). */
  "NODE_ESTIMATE_FAILED",
  /** The runtime cannot serve the preset as asked (transformers without a transformers entry, LoRA adapters on a model vLLM cannot load them for, adapter strength with vLLM). */
  "UNSUPPORTED_RUNTIME",
  /** The preset cannot be tuned with the method. */
  "PRESET_NOT_TUNABLE",
  /** A tuning ConfigMap that is missing, lacks `training_config.yaml`, or whose content is malformed. */
  "TUNING_CONFIG_INVALID",
  /** An inference ConfigMap that lacks `inference_config.yaml` or whose content is malformed. */
  "INFERENCE_CONFIG_INVALID",
  /** A ControllerRevision named `<ws>-<hash5>` exists with a different full hash. */
  "REVISION_CONFLICT",
] as const;

/** A code of {@link ReconcilerError}; see {@link RECONCILER_ERROR_CODES}. */
export type ReconcilerErrorCode = (typeof RECONCILER_ERROR_CODES)[number];

/** Options of {@link ReconcilerError}. */
export interface ReconcilerErrorOptions {
  /** HTTP status of the API answer, when there was one. */
  readonly httpStatus?: number;
  /** The Kubernetes `Status.reason` of the answer (`Conflict`, `AlreadyExists`, `Expired`, ...). */
  readonly reason?: string;
  /** `Retry-After` of a 429/503 answer, in seconds. */
  readonly retryAfterSeconds?: number;
  /** The request path (no query string), e.g. `/apis/kaito.sh/v1beta1/namespaces/default/workspaces/ws`. */
  readonly path?: string;
  /** The underlying error. */
  readonly cause?: unknown;
}

const BRAND: unique symbol = Symbol.for("@kaito-ts/reconciler-core/ReconcilerError") as never;

/** An error from the controller runtime, the Kubernetes client adapter or the reconciler; `code` says what kind. */
export class ReconcilerError extends Error {
  /** Brand checked by {@link isReconcilerError}, valid across copies of this package. */
  readonly [BRAND] = true;
  /** What kind of failure this is. */
  readonly code: ReconcilerErrorCode;
  /** HTTP status of the API answer, when there was one. */
  readonly httpStatus: number | undefined;
  /** The Kubernetes `Status.reason`, when there was one. */
  readonly reason: string | undefined;
  /** `Retry-After` seconds of a 429/503 answer. */
  readonly retryAfterSeconds: number | undefined;
  /** The request path, when the error came from the API. */
  readonly path: string | undefined;

  constructor(code: ReconcilerErrorCode, message: string, options: ReconcilerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ReconcilerError";
    this.code = code;
    this.httpStatus = options.httpStatus;
    this.reason = options.reason;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.path = options.path;
  }

  /** The HTTP status as a number (`statusCode`, the name generic HTTP error readers look for), when there was one. */
  get statusCode(): number | undefined {
    return this.httpStatus;
  }
}

/** True when `e` is a {@link ReconcilerError} (from any copy of this package). */
export function isReconcilerError(e: unknown): e is ReconcilerError {
  return typeof e === "object" && e !== null && (e as { [BRAND]?: unknown })[BRAND] === true;
}

/** True when `e` is a {@link ReconcilerError} with one of the given codes. */
export function hasReconcilerErrorCode(e: unknown, ...codes: readonly ReconcilerErrorCode[]): e is ReconcilerError {
  return isReconcilerError(e) && codes.includes(e.code);
}

/** The code for an HTTP status and a `Status.reason`. */
export function codeForHttpStatus(status: number, reason: string | undefined): ReconcilerErrorCode {
  switch (status) {
    case 400:
      return "BAD_REQUEST";
    case 401:
      return "UNAUTHORIZED";
    case 403:
      return "FORBIDDEN";
    case 404:
      return "NOT_FOUND";
    case 409:
      return reason === "AlreadyExists" ? "ALREADY_EXISTS" : "CONFLICT";
    case 410:
      return "GONE";
    case 422:
      return "INVALID";
    case 429:
      return "TOO_MANY_REQUESTS";
    default:
      return status >= 500 ? "SERVER_ERROR" : "UNEXPECTED_RESPONSE";
  }
}
