/**
 * What an Azure SDK failure means for a pass: the HTTP status, ARM's error code and message (secret-free), and how
 * long to wait before the next try.
 */
import { redactSecrets } from "../errors.ts";

/** A failed ARM call, reduced to what a person and the requeue logic need. */
export interface ArmFailure {
  /** HTTP status, when the call got an answer. */
  readonly status: number | undefined;
  /** ARM's `error.code` (`QuotaExceeded`, `OperationNotAllowed`, …) or the SDK's error name. */
  readonly code: string;
  /** ARM's `error.message`, with any token-like text removed. */
  readonly message: string;
  /** From `Retry-After` (429/503), in milliseconds. */
  readonly retryAfterMs: number | undefined;
  /** No token could be obtained, or ARM refused it. */
  readonly auth: boolean;
}

interface RestErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  statusCode?: unknown;
  response?: { headers?: { get?: (name: string) => string | undefined }; bodyAsText?: unknown; parsedBody?: unknown };
}

function armBody(e: RestErrorLike): { code?: string; message?: string } | undefined {
  const parsed = e.response?.parsedBody;
  const fromParsed = (parsed as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (typeof fromParsed?.code === "string") {
    return { code: fromParsed.code, message: typeof fromParsed.message === "string" ? fromParsed.message : "" };
  }
  const text = e.response?.bodyAsText;
  if (typeof text !== "string") return undefined;
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === "string") {
      return { code: body.error.code, message: typeof body.error.message === "string" ? body.error.message : "" };
    }
  } catch {
    // Not JSON: fall back to the error's own message.
  }
  return undefined;
}

const AUTH_ERROR_NAMES = ["CredentialUnavailableError", "AuthenticationError", "AggregateAuthenticationError"];

/** Reduces any thrown value from the SDK or a credential to an {@link ArmFailure}. */
export function armFailure(error: unknown): ArmFailure {
  const e = (typeof error === "object" && error !== null ? error : {}) as RestErrorLike;
  const status = typeof e.statusCode === "number" ? e.statusCode : undefined;
  const body = armBody(e);
  const name = typeof e.name === "string" ? e.name : "Error";
  const code = body?.code ?? (typeof e.code === "string" ? e.code : name);
  const raw = body?.message || (typeof e.message === "string" ? e.message : String(error));
  const retryAfter = e.response?.headers?.get?.("retry-after");
  const seconds = retryAfter === undefined ? Number.NaN : Number(retryAfter);
  return {
    status,
    code,
    message: redactSecrets(raw),
    retryAfterMs: Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined,
    auth: status === 401 || AUTH_ERROR_NAMES.includes(name),
  };
}

/** ARM's answer to a write during another operation on the same pool (gpu-provisioner treats it as success). */
export function isOperationInProgress(f: ArmFailure): boolean {
  return f.status === 409 && (f.code === "OperationNotAllowed" || /in progress/i.test(f.message));
}
