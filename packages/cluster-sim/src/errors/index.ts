/**
 * The one error family of cluster-sim: {@link ClusterSimError} carries the Kubernetes `Status` object that the API
 * server sends for it, so the store, the HTTP layer and Kubernetes clients all see the real server's error language
 * (`reason`, `status`), while TypeScript callers check our UPPER_SNAKE_CASE `code`.
 */

const BRAND = Symbol.for("@kaito-ts/cluster-sim/ClusterSimError");

/** The `reason` values of a Kubernetes `Status` that cluster-sim produces (the wire vocabulary). */
export type StatusReason =
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Invalid"
  | "BadRequest"
  | "MethodNotAllowed"
  | "UnsupportedMediaType"
  | "NotAcceptable"
  | "Expired"
  | "Gone"
  | "Forbidden"
  | "Unauthorized"
  | "TooManyRequests"
  | "InternalError"
  | "ServiceUnavailable"
  | "Timeout"
  | "RequestEntityTooLarge";

/**
 * What kind of failure a {@link ClusterSimError} is; each stands for one Kubernetes Status reason (in brackets):
 * - `NOT_FOUND` (`NotFound`, 404): no such object, namespace, resource type or path;
 * - `ALREADY_EXISTS` (`AlreadyExists`, 409): create of an existing name;
 * - `CONFLICT` (`Conflict`, 409): stale resourceVersion, failed precondition, server-side apply conflict;
 * - `INVALID` (`Invalid`, 422): invalid name or fields (`status.details.causes` lists each field);
 * - `BAD_REQUEST` (`BadRequest`, 400): malformed body, selector or option; unknown field under `fieldValidation=Strict`;
 * - `METHOD_NOT_ALLOWED` (`MethodNotAllowed`, 405): verb not supported on the path;
 * - `UNSUPPORTED_MEDIA_TYPE` (`UnsupportedMediaType`, 415): unknown body or patch type;
 * - `NOT_ACCEPTABLE` (`NotAcceptable`, 406), `GONE` (`Gone`, 410), `TIMEOUT` (`Timeout`, 504): answers of another
 *   API server the simulation is attached to, or its first sync taking too long;
 * - `EXPIRED` (`Expired`, 410): watch from a resourceVersion older than the retained history;
 * - `FORBIDDEN` (`Forbidden`, 403): denied by admission, namespace being terminated;
 * - `UNAUTHORIZED` (`Unauthorized`, 401): missing or wrong bearer token;
 * - `TOO_MANY_REQUESTS` (`TooManyRequests`, 429), `SERVICE_UNAVAILABLE` (`ServiceUnavailable`, 503): injected faults,
 *   unreachable proxied services;
 * - `INTERNAL_ERROR` (`InternalError`, 500): injected faults, failing webhooks, a missing optional peer dependency;
 * - `REQUEST_ENTITY_TOO_LARGE` (`RequestEntityTooLarge`, 413): body over 3 MiB, JSON patch over 10,000 operations.
 */
export type ClusterSimErrorCode =
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "CONFLICT"
  | "INVALID"
  | "BAD_REQUEST"
  | "METHOD_NOT_ALLOWED"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "NOT_ACCEPTABLE"
  | "EXPIRED"
  | "GONE"
  | "FORBIDDEN"
  | "UNAUTHORIZED"
  | "TOO_MANY_REQUESTS"
  | "INTERNAL_ERROR"
  | "SERVICE_UNAVAILABLE"
  | "TIMEOUT"
  | "REQUEST_ENTITY_TOO_LARGE";

/** The Kubernetes Status `reason` a code is sent as, and its HTTP status code. */
export interface ClusterSimErrorCodeInfo {
  readonly reason: StatusReason;
  readonly httpCode: number;
}

/**
 * Every {@link ClusterSimErrorCode} with the Kubernetes Status `reason` it is sent as and its HTTP status code
 * (one code per reason; the README's error table documents when each occurs).
 */
export const CLUSTER_SIM_ERROR_CODES: Readonly<Record<ClusterSimErrorCode, ClusterSimErrorCodeInfo>> = {
  NOT_FOUND: { reason: "NotFound", httpCode: 404 },
  ALREADY_EXISTS: { reason: "AlreadyExists", httpCode: 409 },
  CONFLICT: { reason: "Conflict", httpCode: 409 },
  INVALID: { reason: "Invalid", httpCode: 422 },
  BAD_REQUEST: { reason: "BadRequest", httpCode: 400 },
  METHOD_NOT_ALLOWED: { reason: "MethodNotAllowed", httpCode: 405 },
  UNSUPPORTED_MEDIA_TYPE: { reason: "UnsupportedMediaType", httpCode: 415 },
  NOT_ACCEPTABLE: { reason: "NotAcceptable", httpCode: 406 },
  EXPIRED: { reason: "Expired", httpCode: 410 },
  GONE: { reason: "Gone", httpCode: 410 },
  FORBIDDEN: { reason: "Forbidden", httpCode: 403 },
  UNAUTHORIZED: { reason: "Unauthorized", httpCode: 401 },
  TOO_MANY_REQUESTS: { reason: "TooManyRequests", httpCode: 429 },
  INTERNAL_ERROR: { reason: "InternalError", httpCode: 500 },
  SERVICE_UNAVAILABLE: { reason: "ServiceUnavailable", httpCode: 503 },
  TIMEOUT: { reason: "Timeout", httpCode: 504 },
  REQUEST_ENTITY_TOO_LARGE: { reason: "RequestEntityTooLarge", httpCode: 413 },
};

/** The code of each Status reason. */
const CODE_OF = new Map<StatusReason, ClusterSimErrorCode>(
  (Object.keys(CLUSTER_SIM_ERROR_CODES) as ClusterSimErrorCode[]).map((c) => [CLUSTER_SIM_ERROR_CODES[c].reason, c]),
);

/** The {@link ClusterSimErrorCode} of a Kubernetes Status reason (`"NotFound"` → `"NOT_FOUND"`). */
export function codeOfReason(reason: StatusReason): ClusterSimErrorCode {
  const code = CODE_OF.get(reason);
  if (code === undefined) throw new TypeError(`unknown Kubernetes Status reason ${JSON.stringify(reason)}`);
  return code;
}

/** One entry of `Status.details.causes`. */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** `Status.details`. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** The Kubernetes `meta/v1 Status` object. */
export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, unknown>;
  status: "Failure" | "Success";
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/**
 * An error with the Kubernetes `Status` the API server answers for it. Check `code` (ours, UPPER_SNAKE_CASE) in
 * TypeScript; `reason` and `status` are what a Kubernetes client receives.
 */
export class ClusterSimError extends Error {
  /** What kind of failure this is (`NOT_FOUND`, `CONFLICT`, …); see {@link CLUSTER_SIM_ERROR_CODES}. */
  readonly code: ClusterSimErrorCode;
  /** The Kubernetes Status `reason` sent on the wire (`NotFound`, `Conflict`, …); the same as `status.reason`. */
  readonly reason: StatusReason;
  /** The full Status object, as sent on the wire. */
  readonly status: Status;
  /** Seconds a client should wait before retrying (sent as `Retry-After`), when known. */
  readonly retryAfterSeconds: number | undefined;
  readonly [BRAND] = true;

  /**
   * `kind`: the code (`"NOT_FOUND"`) or the Kubernetes Status reason it is sent as (`"NotFound"`); it decides both
   * and, unless `options.httpCode` is given, the HTTP status. `message`: what failed, where, and what to do.
   */
  constructor(
    kind: ClusterSimErrorCode | StatusReason,
    message: string,
    options: { details?: StatusDetails; cause?: unknown; httpCode?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ClusterSimError";
    this.code = Object.hasOwn(CLUSTER_SIM_ERROR_CODES, kind)
      ? (kind as ClusterSimErrorCode)
      : codeOfReason(kind as StatusReason);
    const reason = CLUSTER_SIM_ERROR_CODES[this.code].reason;
    this.reason = reason;
    this.retryAfterSeconds = options.details?.retryAfterSeconds;
    this.status = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message,
      reason,
      details: options.details ?? {},
      code: options.httpCode ?? CLUSTER_SIM_ERROR_CODES[this.code].httpCode,
    };
  }

  /** The HTTP status code. */
  get httpCode(): number {
    return this.status.code;
  }
}

/** True when `e` is a {@link ClusterSimError} (also across copies of this package). */
export function isClusterSimError(e: unknown): e is ClusterSimError {
  return typeof e === "object" && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
}

/** What a Status message names: the group-qualified resource (`widgets.demo.example.com`, `pods`). */
export interface QualifiedResource {
  group: string;
  resource: string;
}

function qualified(r: QualifiedResource): string {
  return r.group === "" ? r.resource : `${r.resource}.${r.group}`;
}

/** `404 NotFound`: `pods "x" not found`. */
export function notFound(r: QualifiedResource, name: string): ClusterSimError {
  return new ClusterSimError("NotFound", `${qualified(r)} "${name}" not found`, {
    details: { name, group: r.group, kind: r.resource },
  });
}

/** `404 NotFound` for a URL that names nothing. */
export function pathNotFound(): ClusterSimError {
  return new ClusterSimError("NotFound", "the server could not find the requested resource");
}

/** `409 AlreadyExists`. */
export function alreadyExists(r: QualifiedResource, name: string): ClusterSimError {
  return new ClusterSimError("AlreadyExists", `${qualified(r)} "${name}" already exists`, {
    details: { name, group: r.group, kind: r.resource },
  });
}

/** `409 Conflict`: the object has been modified. */
export function conflict(r: QualifiedResource, name: string, why?: string): ClusterSimError {
  const reason = why ?? "the object has been modified; please apply your changes to the latest version and try again";
  return new ClusterSimError("Conflict", `Operation cannot be fulfilled on ${qualified(r)} "${name}": ${reason}`, {
    details: { name, group: r.group, kind: r.resource },
  });
}

/** A field error, in the shape of `Status.details.causes`. */
export interface FieldCause {
  field: string;
  reason: string;
  message: string;
}

/** `422 Invalid`: `Widget.demo.example.com "w9" is invalid: spec.size: Unsupported value: "xxl"`. */
export function invalid(group: string, kind: string, name: string, causes: FieldCause[]): ClusterSimError {
  const qk = group === "" ? kind : `${kind}.${group}`;
  const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const agg = parts.length === 1 ? (parts[0] ?? "") : `[${parts.join(", ")}]`;
  return new ClusterSimError("Invalid", `${qk} "${name}" is invalid: ${agg}`, {
    details: {
      name,
      group,
      kind,
      causes: causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field })),
    },
  });
}

/** `400 BadRequest`. */
export function badRequest(message: string): ClusterSimError {
  return new ClusterSimError("BadRequest", message);
}

/** `405 MethodNotAllowed`. */
export function methodNotAllowed(): ClusterSimError {
  return new ClusterSimError("MethodNotAllowed", "the server does not allow this method on the requested resource");
}

/** `415 UnsupportedMediaType`. */
export function unsupportedMediaType(contentType: string, accepted: string[]): ClusterSimError {
  return new ClusterSimError(
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
    { details: { causes: [{ reason: "UnexpectedHeader", message: `unsupported content type "${contentType}"` }] } },
  );
}

/** `410 Expired`: a watch or list asked for a resourceVersion older than the retained history. */
export function expired(requested: string, oldest: number): ClusterSimError {
  return new ClusterSimError("Expired", `too old resource version: ${requested} (${oldest})`);
}

/** `403 Forbidden`. */
export function forbidden(r: QualifiedResource, name: string, why: string): ClusterSimError {
  return new ClusterSimError("Forbidden", `${qualified(r)} "${name}" is forbidden: ${why}`, {
    details: { name, group: r.group, kind: r.resource },
  });
}

/** `500 InternalError`. */
export function internalError(message: string, cause?: unknown): ClusterSimError {
  return new ClusterSimError("InternalError", `Internal error occurred: ${message}`, {
    details: { causes: [{ message }] },
    cause,
  });
}
