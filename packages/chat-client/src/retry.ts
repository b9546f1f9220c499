/**
 * Pure retry decisions: which failures are retried, how long to wait, and `Retry-After` parsing.
 */

/** Retry tuning. All delays in milliseconds. */
export interface RetryPolicy {
  /** Retries after the first attempt (default 2). */
  readonly maxRetries: number;
  /** First backoff delay before jitter (default 500). */
  readonly baseDelayMs: number;
  /** Upper bound of the exponential backoff (default 8000). */
  readonly maxDelayMs: number;
  /** Upper bound applied to a server's `Retry-After` (default 60000). */
  readonly maxRetryAfterMs: number;
}

/** Defaults of {@link RetryPolicy}. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 2,
  baseDelayMs: 500,
  maxDelayMs: 8000,
  maxRetryAfterMs: 60_000,
};

/** True for HTTP statuses worth retrying: 429 and 5xx (except 501 Not Implemented and 505). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505);
}

/**
 * Parses `Retry-After` (delay-seconds or an HTTP date) or `retry-after-ms` into milliseconds, or `undefined` when
 * absent or unparsable. A date in the past gives 0.
 */
export function parseRetryAfter(
  retryAfter: string | null | undefined,
  retryAfterMs?: string | null,
  nowMs: number = Date.now(),
): number | undefined {
  if (retryAfterMs != null && /^\s*\d+(\.\d+)?\s*$/.test(retryAfterMs)) return Math.ceil(Number(retryAfterMs));
  if (retryAfter == null) return undefined;
  const v = retryAfter.trim();
  if (v === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.ceil(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * Delay before retry number `retry` (0-based): the server's `Retry-After` capped at `maxRetryAfterMs` when given,
 * else exponential backoff `baseDelayMs · 2^retry` capped at `maxDelayMs`, with "equal jitter" (between half and
 * all of it). `random` is a number in [0, 1).
 */
export function retryDelayMs(
  policy: RetryPolicy,
  retry: number,
  retryAfterMs: number | undefined,
  random: number = Math.random(),
): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), policy.maxRetryAfterMs);
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.round(exp / 2 + (exp / 2) * random);
}
