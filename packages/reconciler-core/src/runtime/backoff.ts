/**
 * Jittered exponential back-off for reconnect loops (client-go's reflector: 800 ms doubling to 30 s, reset after a
 * healthy period).
 */

/** Options of {@link Backoff}. */
export interface BackoffOptions {
  /** First delay in ms (default 800). */
  readonly initialMs?: number;
  /** Cap in ms (default 30,000). */
  readonly maxMs?: number;
  /** Multiplier (default 2). */
  readonly factor?: number;
  /** Random extra fraction of the delay, 0–1 (default 0.2). */
  readonly jitter?: number;
  /** Random source in [0, 1) (default `Math.random`); tests pass a fixed one. */
  readonly random?: () => number;
}

/** A back-off sequence: `next()` returns the next delay, `reset()` starts over. */
export class Backoff {
  readonly #initial: number;
  readonly #max: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #current = 0;

  constructor(opts: BackoffOptions = {}) {
    this.#initial = opts.initialMs ?? 800;
    this.#max = opts.maxMs ?? 30_000;
    this.#factor = opts.factor ?? 2;
    this.#jitter = opts.jitter ?? 0.2;
    this.#random = opts.random ?? Math.random;
  }

  /** The next delay in ms. */
  next(): number {
    this.#current = this.#current === 0 ? this.#initial : Math.min(this.#max, this.#current * this.#factor);
    return Math.round(this.#current * (1 + this.#jitter * this.#random()));
  }

  /** Start again from the initial delay. */
  reset(): void {
    this.#current = 0;
  }
}
