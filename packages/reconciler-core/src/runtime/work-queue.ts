/**
 * A deduplicating, rate-limited, delaying work queue with client-go's semantics (`workqueue.RateLimitingInterface`):
 * - a key waiting in the queue is held once, however often it is added;
 * - a key being processed is never handed to a second worker; added again meanwhile, it is queued when `done`;
 * - `addAfter` serves `requeueAfter` (the earliest requested time wins), `addRateLimited` retries with back-off.
 */
import { type Clock, systemClock, type TimerHandle } from "./clock.ts";
import { emitMetric, type RuntimeMetrics } from "./metrics.ts";
import { defaultControllerRateLimiter, type RateLimiter } from "./rate-limiter.ts";

/** Options of {@link WorkQueue}. */
export interface WorkQueueOptions<K> {
  /** Name used in metrics (`workqueue_*{name}`); usually the controller name. */
  readonly name?: string;
  /** Retry policy (default {@link defaultControllerRateLimiter}). */
  readonly rateLimiter?: RateLimiter<K>;
  /** Time source (default the system clock). */
  readonly clock?: Clock;
  /** Metrics hooks. */
  readonly metrics?: RuntimeMetrics;
}

interface Waiter<K> {
  resolve(key: K | undefined): void;
}

/**
 * The controller's queue of keys (usually `namespace/name`).
 * @example
 * const q = new WorkQueue<string>({ name: "workspace" });
 * q.add("default/ws");
 * const key = await q.get(); // "default/ws"
 * try { await work(key); q.forget(key); } catch { q.addRateLimited(key); } finally { q.done(key); }
 */
export class WorkQueue<K> {
  readonly name: string;
  readonly #limiter: RateLimiter<K>;
  readonly #clock: Clock;
  readonly #metrics: RuntimeMetrics | undefined;
  #items: K[] = [];
  #head = 0;
  readonly #dirty = new Set<K>();
  readonly #processing = new Map<K, number>();
  readonly #addedAt = new Map<K, number>();
  readonly #waiting = new Map<K, { at: number; timer: TimerHandle }>();
  readonly #waiters: Waiter<K>[] = [];
  #shuttingDown = false;

  constructor(opts: WorkQueueOptions<K> = {}) {
    this.name = opts.name ?? "";
    this.#clock = opts.clock ?? systemClock;
    this.#limiter = opts.rateLimiter ?? defaultControllerRateLimiter<K>({ clock: this.#clock });
    this.#metrics = opts.metrics;
  }

  /** Keys waiting to be handed out (not counting those being processed or delayed). */
  len(): number {
    return this.#items.length - this.#head;
  }

  /** Keys being processed now. */
  processingCount(): number {
    return this.#processing.size;
  }

  /** Keys waiting for an `addAfter`/`addRateLimited` delay. */
  delayedCount(): number {
    return this.#waiting.size;
  }

  /** True after {@link WorkQueue.shutDown}. */
  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Queue `key` now (a no-op when it already waits; deferred until `done` while it is processed). */
  add(key: K): void {
    if (this.#shuttingDown) return;
    if (this.#dirty.has(key)) return;
    emitMetric(this.#metrics?.queueAdd, this.name);
    this.#dirty.add(key);
    this.#addedAt.set(key, this.#clock.now());
    if (this.#processing.has(key)) return;
    this.#push(key);
  }

  /** Queue `key` after `delayMs`; if it is already delayed, the earlier time wins. */
  addAfter(key: K, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (!(delayMs > 0)) {
      this.add(key);
      return;
    }
    const at = this.#clock.now() + delayMs;
    const existing = this.#waiting.get(key);
    if (existing !== undefined) {
      if (existing.at <= at) return;
      existing.timer.cancel();
    }
    const timer = this.#clock.setTimer(delayMs, () => {
      const w = this.#waiting.get(key);
      if (w?.timer !== timer) return;
      this.#waiting.delete(key);
      this.add(key);
    });
    this.#waiting.set(key, { at, timer });
  }

  /** Queue `key` after the rate limiter's delay (a retry). */
  addRateLimited(key: K): void {
    if (this.#shuttingDown) return;
    emitMetric(this.#metrics?.queueRetry, this.name);
    this.addAfter(key, this.#limiter.when(key));
  }

  /** Reset the back-off of `key` (call after a success). */
  forget(key: K): void {
    this.#limiter.forget(key);
  }

  /** Retries of `key` since it was last forgotten. */
  numRequeues(key: K): number {
    return this.#limiter.numRequeues(key);
  }

  /**
   * The next key, waiting until there is one; `undefined` once the queue is shut down. The caller must call
   * {@link WorkQueue.done} with it when finished.
   */
  get(): Promise<K | undefined> {
    if (this.#shuttingDown) return Promise.resolve(undefined);
    if (this.len() > 0) return Promise.resolve(this.#take());
    return new Promise((resolve) => this.#waiters.push({ resolve }));
  }

  /** Mark `key` finished; if it was added while processed, it is queued again. */
  done(key: K): void {
    const started = this.#processing.get(key);
    if (started === undefined) return;
    this.#processing.delete(key);
    emitMetric(this.#metrics?.queueWorkDuration, this.name, (this.#clock.now() - started) / 1000);
    if (this.#dirty.has(key) && !this.#shuttingDown) this.#push(key);
  }

  /** Stop handing out keys: pending and future `get`s resolve `undefined`, delayed keys are dropped. */
  shutDown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    for (const w of this.#waiting.values()) w.timer.cancel();
    this.#waiting.clear();
    for (const w of this.#waiters.splice(0)) w.resolve(undefined);
  }

  #push(key: K): void {
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      // Hand the key straight to a waiting worker: never queued, never seen twice.
      this.#items.push(key);
      waiter.resolve(this.#take());
      return;
    }
    this.#items.push(key);
    emitMetric(this.#metrics?.queueDepth, this.name, this.len());
  }

  #take(): K {
    const key = this.#items[this.#head] as K;
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    const now = this.#clock.now();
    this.#processing.set(key, now);
    this.#dirty.delete(key);
    const added = this.#addedAt.get(key);
    this.#addedAt.delete(key);
    if (added !== undefined) emitMetric(this.#metrics?.queueLatency, this.name, (now - added) / 1000);
    emitMetric(this.#metrics?.queueDepth, this.name, this.len());
    return key;
  }
}
