/**
 * The one error family of `@kaito-ts/chat-client`.
 */

/** What went wrong, as a machine-readable code. */
export type ChatClientErrorCode =
  /** The arguments were rejected before any request was sent (see `field`). */
  | "INVALID_REQUEST"
  /** The server answered with a 4xx status other than 429. */
  | "HTTP_ERROR"
  /** The server answered 429 (Kaito's rate guard, or any proxy in front of it) and retries ran out. */
  | "RATE_LIMITED"
  /** The server answered with a 5xx status (or sent an error event inside a stream) and retries ran out. */
  | "SERVER_ERROR"
  /** No response headers within `timeoutMs`, or no stream data within `idleTimeoutMs`. */
  | "TIMEOUT"
  /** The caller's `AbortSignal` fired. */
  | "ABORTED"
  /** The connection failed (DNS, refused, reset) and retries ran out. */
  | "CONNECTION_ERROR"
  /** The server's reply is not what the API promises (not JSON, truncated JSON, wrong shape). */
  | "INVALID_RESPONSE"
  /** A stream that had started delivering chunks broke off before its end; never retried. */
  | "STREAM_INTERRUPTED";

/** The error body a server sent, normalised from OpenAI's `{error:{…}}` or FastAPI's `{detail}` shapes. */
export interface ServerErrorBody {
  /** Human-readable message from the server. */
  readonly message: string;
  /** OpenAI `error.type`, e.g. `"BadRequestError"`. */
  readonly type?: string;
  /** OpenAI `error.code` (a string or a number, depending on the server). */
  readonly code?: string | number;
  /** OpenAI `error.param`: the request field the server objected to. */
  readonly param?: string;
  /** FastAPI's raw `detail` (a string, or a list of validation errors). */
  readonly detail?: unknown;
}

/** Options of the {@link ChatClientError} constructor. */
export interface ChatClientErrorOptions {
  /** HTTP status, when there was a response. */
  readonly status?: number;
  /** The server's error body, when one could be parsed. */
  readonly serverError?: ServerErrorBody;
  /** How long the server asked to wait (from `Retry-After`), in milliseconds. */
  readonly retryAfterMs?: number;
  /** The request field at fault, for `INVALID_REQUEST`. */
  readonly field?: string;
  /** The URL of the request (credentials and query removed). */
  readonly url?: string;
  /** How many attempts were made (1 + retries). */
  readonly attempts?: number;
  /** The underlying error. */
  readonly cause?: unknown;
}

const BRAND: unique symbol = Symbol.for("@kaito-ts/chat-client/ChatClientError") as never;

/**
 * Every error the client throws. `code` says what happened; `status`, `serverError` and `retryAfterMs` carry what the
 * server said. API keys and other secrets are never part of the message or of `serverError`.
 */
export class ChatClientError extends Error {
  override readonly name = "ChatClientError";
  /** Machine-readable reason. */
  readonly code: ChatClientErrorCode;
  /** HTTP status, when there was a response. */
  readonly status: number | undefined;
  /** The server's error body, when one could be parsed. */
  readonly serverError: ServerErrorBody | undefined;
  /** How long the server asked to wait before retrying, in milliseconds. */
  readonly retryAfterMs: number | undefined;
  /** The request field at fault (`INVALID_REQUEST`), e.g. `"messages[0].role"`. */
  readonly field: string | undefined;
  /** The request URL, without credentials or query. */
  readonly url: string | undefined;
  /** How many attempts were made. */
  readonly attempts: number | undefined;
  readonly [BRAND] = true;

  constructor(code: ChatClientErrorCode, message: string, options: ChatClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.serverError = options.serverError;
    this.retryAfterMs = options.retryAfterMs;
    this.field = options.field;
    this.url = options.url;
    this.attempts = options.attempts;
  }
}

/** True when `e` is a {@link ChatClientError} (also across copies of this package, via a `Symbol.for` brand). */
export function isChatClientError(e: unknown): e is ChatClientError {
  return typeof e === "object" && e !== null && (e as Record<PropertyKey, unknown>)[BRAND] === true;
}

/** Shorthand for an `INVALID_REQUEST` error naming the field at fault. */
export function invalidRequest(field: string, problem: string): ChatClientError {
  return new ChatClientError("INVALID_REQUEST", `Invalid request: ${field} ${problem}`, { field });
}
