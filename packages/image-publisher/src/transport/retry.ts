/** Retry policy for registry requests: which answers to retry and how long to wait. Pure functions. */

/** How many times and how long to retry. */
export interface RetryOptions {
  /** Retries after the first attempt (default 4). */
  readonly retries?: number;
  /** First backoff delay in ms (default 250), doubled each attempt. */
  readonly baseDelayMs?: number;
  /** Largest backoff delay in ms (default 8000). */
  readonly maxDelayMs?: number;
  /** Largest `Retry-After` honoured, in ms (default 60000); longer waits are capped to it. */
  readonly maxRetryAfterMs?: number;
}

/** The retry options with every default filled in. */
export type ResolvedRetryOptions = Required<RetryOptions>;

/** Fills in the defaults of {@link RetryOptions}. */
export function resolveRetryOptions(o: RetryOptions = {}): ResolvedRetryOptions {
  return {
    retries: o.retries ?? 4,
    baseDelayMs: o.baseDelayMs ?? 250,
    maxDelayMs: o.maxDelayMs ?? 8000,
    maxRetryAfterMs: o.maxRetryAfterMs ?? 60_000,
  };
}

/** True for statuses worth retrying: 408, 429, 500, 502, 503, 504. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}

/** Network error codes worth retrying (connection reset, refused, timeouts, DNS hiccups). */
const RETRYABLE_NET = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

/** True when a network error code (`err.code`) is transient. */
export function isRetryableNetworkCode(code: string | undefined): boolean {
  return code !== undefined && RETRYABLE_NET.has(code);
}

/** Parses a `Retry-After` value (seconds or an HTTP date) into ms from `now`; `undefined` when absent or bad. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, t - now);
}

/**
 * The delay before retry number `attempt` (0-based): exponential backoff with full jitter in its upper half, or the
 * server's `Retry-After` when given (capped by `maxRetryAfterMs`). `random` is injectable for tests.
 */
export function retryDelay(
  attempt: number,
  options: ResolvedRetryOptions,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, options.maxRetryAfterMs);
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
