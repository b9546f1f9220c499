/**
 * The one error family of `@kaito-ts/workspace-client`: {@link WorkspaceClientError}. Every failure of the client —
 * a missing kubeconfig, an API server that does not answer, a refused request, an invalid Workspace, a wait that
 * ran out — is one of these, with a {@link WorkspaceClientErrorCode} and a message that says what failed, where
 * (the Workspace, the server URL) and what to do. Messages never carry a token, a password or a certificate.
 *
 * @packageDocumentation
 */
import type { ValidationIssue } from "@kaito-ts/workspace-types";

/**
 * Every code a {@link WorkspaceClientError} can carry:
 * - `NO_KUBECONFIG`: no kubeconfig was found (no `KUBECONFIG`, no `~/.kube/config`, not in a pod), the file named
 *   cannot be read, or it has no current context / cluster;
 * - `UNREACHABLE`: the API server did not answer (refused, reset, DNS, TLS failure, timeout); the message names the URL;
 * - `UNAUTHORIZED`: the API server refused the credentials (401);
 * - `FORBIDDEN`: RBAC denied the request (403); the message names the verb and resource;
 * - `CRD_NOT_INSTALLED`: the API server does not serve `workspaces.kaito.sh` (the Workspace CRD is not installed);
 * - `NOT_FOUND`: the Workspace (or its namespace) does not exist;
 * - `NO_WORKLOAD`: the Workspace has no pod yet to read logs from;
 * - `INVALID_WORKSPACE`: the Workspace failed validation (client-side with workspace-types, or the server's
 *   admission); {@link WorkspaceClientError.issues} lists the problems;
 * - `CONFLICT`: the server refused a write because of a conflict (409: field-manager conflict, stale object);
 * - `TIMEOUT`: `waitFor` (or `delete` with `wait`) ran out of time; the message has the last conditions seen;
 * - `ABORTED`: the caller's `AbortSignal` fired;
 * - `INVALID_ARGUMENT`: a bad argument to a client method (empty name, unparsable YAML, negative timeout);
 * - `API_ERROR`: any other non-success answer of the API server (the message quotes the server's).
 */
export const WORKSPACE_CLIENT_ERROR_CODES = [
  "NO_KUBECONFIG",
  "UNREACHABLE",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "CRD_NOT_INSTALLED",
  "NOT_FOUND",
  "NO_WORKLOAD",
  "INVALID_WORKSPACE",
  "CONFLICT",
  "TIMEOUT",
  "ABORTED",
  "INVALID_ARGUMENT",
  "API_ERROR",
] as const;

/** A machine-readable reason of a {@link WorkspaceClientError} (see {@link WORKSPACE_CLIENT_ERROR_CODES}). */
export type WorkspaceClientErrorCode = (typeof WORKSPACE_CLIENT_ERROR_CODES)[number];

/** Extra facts of a {@link WorkspaceClientError}. */
export interface WorkspaceClientErrorOptions {
  readonly cause?: unknown;
  /** HTTP status of the API server's answer, when there was one. */
  readonly status?: number;
  /** The API server URL the request went to (no credentials). */
  readonly server?: string;
  /** Validation problems (`INVALID_WORKSPACE`). */
  readonly issues?: readonly ValidationIssue[];
}

const BRAND: unique symbol = Symbol.for("@kaito-ts/workspace-client/WorkspaceClientError") as never;

/** An error of the Workspace client: the message says what is wrong, where, and what to do. */
export class WorkspaceClientError extends Error {
  override readonly name = "WorkspaceClientError";
  /** Machine-readable reason. */
  readonly code: WorkspaceClientErrorCode;
  /** HTTP status of the API server's answer, when there was one. */
  readonly status: number | undefined;
  /** The API server URL, when a request was involved. */
  readonly server: string | undefined;
  /** Validation problems of an `INVALID_WORKSPACE` error (empty otherwise). */
  readonly issues: readonly ValidationIssue[];
  readonly [BRAND] = true;

  constructor(code: WorkspaceClientErrorCode, message: string, options: WorkspaceClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.server = options.server;
    this.issues = options.issues ?? [];
  }
}

/** True when `e` is a {@link WorkspaceClientError} (also across copies of this package, via a `Symbol.for` brand). */
export function isWorkspaceClientError(e: unknown): e is WorkspaceClientError {
  return typeof e === "object" && e !== null && (e as Record<PropertyKey, unknown>)[BRAND] === true;
}
