/**
 * A deduplicating, level-triggered work queue: keys are processed one at a time, outside the store's event callback.
 * A key added while it is being processed is processed again afterwards. Failures are retried with back-off.
 */
import { errorReason } from "./objects.ts";

/** What a handler may ask for: nothing, or to be called again after `ms`. */
export type HandlerResult = undefined | { requeueAfterMs: number };

/** A named queue with one handler. */
export class WorkQueue {
  readonly name: string;
  readonly #handler: (key: string) => HandlerResult | Promise<HandlerResult>;
  readonly #onError: (error: unknown, where: string) => void;
  readonly #pending = new Set<string>();
  readonly #timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  readonly #failures = new Map<string, number>();
  #running = false;
  #stopped = false;
  #scheduled = false;
  #drained: Array<() => void> = [];

  constructor(
    name: string,
    handler: (key: string) => HandlerResult | Promise<HandlerResult>,
    onError: (error: unknown, where: string) => void,
  ) {
    this.name = name;
    this.#handler = handler;
    this.#onError = onError;
  }

  /** Queues `key` for processing soon. */
  add(key: string): void {
    if (this.#stopped) return;
    this.#pending.add(key);
    this.#schedule();
  }

  /** Queues `key` after `ms` (the earliest of several requests wins). */
  addAfter(key: string, ms: number): void {
    if (this.#stopped) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + ms;
    const existing = this.#timers.get(key);
    if (existing !== undefined) {
      if (existing.at <= at) return;
      clearTimeout(existing.timer);
    }
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, ms);
    timer.unref?.();
    this.#timers.set(key, { at, timer });
  }

  /** Stops processing and cancels timers; resolves once the running handler (if any) returned. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers.values()) clearTimeout(t.timer);
    this.#timers.clear();
    this.#pending.clear();
    if (this.#running) await new Promise<void>((resolve) => this.#drained.push(resolve));
  }

  #schedule(): void {
    if (this.#scheduled || this.#running) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      while (!this.#stopped && this.#pending.size > 0) {
        const key = this.#pending.values().next().value as string;
        this.#pending.delete(key);
        await this.#process(key);
      }
    } finally {
      this.#running = false;
      for (const resolve of this.#drained.splice(0)) resolve();
    }
  }

  async #process(key: string): Promise<void> {
    try {
      const result = await this.#handler(key);
      this.#failures.delete(key);
      if (result !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (error) {
      const n = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, n);
      if (errorReason(error) === "Conflict" || errorReason(error) === "AlreadyExists") {
        this.addAfter(key, 5);
        return;
      }
      if (errorReason(error) !== "NotFound") this.#onError(error, `${this.name} ${key}`);
      this.addAfter(key, Math.min(5 * 2 ** n, 2000));
    }
  }
}
