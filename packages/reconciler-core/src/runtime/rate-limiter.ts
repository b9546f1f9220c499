/**
 * Rate limiters of the work queue, with client-go's semantics (`workqueue.DefaultControllerRateLimiter`): the delay
 * of a retry is the larger of a per-key exponential back-off (5 ms · 2^failures, capped at 1000 s) and a global token
 * bucket (10 qps, burst 100).
 */
import { type Clock, systemClock } from "./clock.ts";

/** Decides how long a key waits before it is retried. */
export interface RateLimiter<K> {
  /** The delay in milliseconds before `key` may be processed again; counts one more failure for it. */
  when(key: K): number;
  /** Forget the failures of `key` (after a success). */
  forget(key: K): void;
  /** How many times `key` has been retried since it was last forgotten. */
  numRequeues(key: K): number;
}

/** Options of {@link ItemExponentialFailureRateLimiter}. */
export interface ExponentialBackoffOptions {
  /** First delay in ms (default 5). */
  readonly baseDelayMs?: number;
  /** Cap in ms (default 1,000,000 = 1000 s). */
  readonly maxDelayMs?: number;
}

/** Per-key exponential back-off: `base · 2^failures`, capped. */
export class ItemExponentialFailureRateLimiter<K> implements RateLimiter<K> {
  readonly #failures = new Map<K, number>();
  readonly #base: number;
  readonly #max: number;

  constructor(opts: ExponentialBackoffOptions = {}) {
    this.#base = opts.baseDelayMs ?? 5;
    this.#max = opts.maxDelayMs ?? 1_000_000;
  }

  when(key: K): number {
    const n = this.#failures.get(key) ?? 0;
    this.#failures.set(key, n + 1);
    // 2^n overflows to Infinity for large n; the cap keeps it finite.
    return Math.min(this.#max, this.#base * 2 ** n);
  }

  forget(key: K): void {
    this.#failures.delete(key);
  }

  numRequeues(key: K): number {
    return this.#failures.get(key) ?? 0;
  }
}

/** Options of {@link BucketRateLimiter}. */
export interface BucketOptions {
  /** Tokens per second (default 10). */
  readonly qps?: number;
  /** Bucket size (default 100). */
  readonly burst?: number;
  /** Time source (default the system clock). */
  readonly clock?: Clock;
}

/** A global token bucket: every retry of any key takes a token; without one it waits for the refill. */
export class BucketRateLimiter<K> implements RateLimiter<K> {
  readonly #qps: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;

  constructor(opts: BucketOptions = {}) {
    this.#qps = opts.qps ?? 10;
    this.#burst = opts.burst ?? 100;
    this.#clock = opts.clock ?? systemClock;
    this.#tokens = this.#burst;
    this.#last = this.#clock.now();
  }

  when(_key: K): number {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) * this.#qps) / 1000);
    this.#last = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.#qps) * 1000;
  }

  forget(_key: K): void {}

  numRequeues(_key: K): number {
    return 0;
  }
}

/** The largest delay of several limiters. */
export class MaxOfRateLimiter<K> implements RateLimiter<K> {
  readonly #limiters: readonly RateLimiter<K>[];

  constructor(...limiters: RateLimiter<K>[]) {
    this.#limiters = limiters;
  }

  when(key: K): number {
    let d = 0;
    for (const l of this.#limiters) d = Math.max(d, l.when(key));
    return d;
  }

  forget(key: K): void {
    for (const l of this.#limiters) l.forget(key);
  }

  numRequeues(key: K): number {
    let n = 0;
    for (const l of this.#limiters) n = Math.max(n, l.numRequeues(key));
    return n;
  }
}

/** Options of {@link defaultControllerRateLimiter}. */
export interface DefaultRateLimiterOptions extends ExponentialBackoffOptions, BucketOptions {}

/** client-go's default: max(per-key 5 ms → 1000 s exponential, 10 qps / burst 100 bucket). */
export function defaultControllerRateLimiter<K>(opts: DefaultRateLimiterOptions = {}): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(new ItemExponentialFailureRateLimiter<K>(opts), new BucketRateLimiter<K>(opts));
}
