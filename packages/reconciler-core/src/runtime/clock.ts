/**
 * Time as the runtime sees it: the work queue, rate limiters, leader election and informers take a {@link Clock}, so
 * tests drive them with a {@link FakeClock} and never wait on (or assert) wall-clock time.
 */

/** A cancellable timer handle. */
export interface TimerHandle {
  /** Cancel the timer; a no-op after it fired. */
  cancel(): void;
}

/** The time source and timer factory the runtime uses. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Run `fn` after `ms` milliseconds; timers never keep the process alive. */
  setTimer(ms: number, fn: () => void): TimerHandle;
}

/** The real clock: `Date.now()` and unref'd `setTimeout`. */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimer(ms: number, fn: () => void): TimerHandle {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
});

interface PendingTimer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/**
 * A manual clock for tests: time moves only through {@link FakeClock.advance}, which fires due timers in order.
 * @example
 * const clock = new FakeClock(0);
 * clock.setTimer(100, () => console.log("fired"));
 * clock.advance(100); // fired
 */
export class FakeClock implements Clock {
  #now: number;
  #timers: PendingTimer[] = [];
  #nextId = 1;

  /** Start at `start` milliseconds since the epoch (default 0). */
  constructor(start = 0) {
    this.#now = start;
  }

  /** The current fake time. */
  now(): number {
    return this.#now;
  }

  /** Schedule `fn` at now + `ms`. */
  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = this.#nextId++;
    this.#timers.push({ id, at: this.#now + Math.max(0, ms), fn });
    return {
      cancel: () => {
        this.#timers = this.#timers.filter((t) => t.id !== id);
      },
    };
  }

  /** Number of timers not yet fired. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Move time forward by `ms`, firing every timer that falls due (in time order, timers added meanwhile too). */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let next: PendingTimer | undefined;
      for (const t of this.#timers) if (t.at <= target && (next === undefined || t.at < next.at)) next = t;
      if (next === undefined) break;
      const fired = next;
      this.#timers = this.#timers.filter((t) => t.id !== fired.id);
      this.#now = Math.max(this.#now, fired.at);
      fired.fn();
    }
    this.#now = target;
  }
}
