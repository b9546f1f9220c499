/**
 * One shared timer for many deadlines. Every request attempt has a deadline (the `timeoutMs` to response headers),
 * but almost all of them finish long before it; arming and clearing a platform timer per attempt costs more than the
 * rest of the client's per-request work. The watch keeps a single timer armed for the earliest deadline and, between
 * requests, merely unrefs it (where the platform can) instead of clearing it, so the next attempt usually costs a
 * `Set.add` and a `Set.delete`. Deadlines still fire on time: adding an earlier deadline re-arms the timer, and a
 * timer that fires early for a later deadline re-arms itself for that one.
 */

/** Something with a deadline, cut by {@link DeadlineWatch} when it passes. */
export interface Deadline {
  /** When to fire, on the watch's clock (milliseconds). */
  readonly deadline: number;
  /** Called once when the deadline passed while the entry was still watched. */
  expire(): void;
}

/** The platform pieces the watch uses (injectable for tests). */
export interface DeadlineClock {
  /** A monotonic clock in milliseconds. */
  now(): number;
  /** Arms a one-shot timer. */
  setTimer(fn: () => void, ms: number): unknown;
  /** Disarms a timer from `setTimer`. */
  clearTimer(timer: unknown): void;
}

type Refable = { ref(): unknown; unref(): unknown };

function isRefable(t: unknown): t is Refable {
  return (
    typeof t === "object" &&
    t !== null &&
    typeof (t as Partial<Refable>).ref === "function" &&
    typeof (t as Partial<Refable>).unref === "function"
  );
}

/** The platform clock: `performance.now()` (monotonic) where the runtime has it, else `Date.now()`; `setTimeout`. */
export const platformClock: DeadlineClock = {
  now:
    typeof performance === "object" && performance !== null && typeof performance.now === "function"
      ? () => performance.now()
      : () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (t) => clearTimeout(t as ReturnType<typeof setTimeout>),
};

/** Watches deadlines with one timer; see the module comment. */
export class DeadlineWatch {
  private readonly clock: DeadlineClock;
  private readonly entries = new Set<Deadline>();
  private timer: unknown = undefined;
  /** When the armed timer fires (Infinity: none armed). */
  private armedFor = Number.POSITIVE_INFINITY;
  /** Whether the armed timer keeps the process alive (Node, Bun); always true where timers cannot be unref'd. */
  private refed = false;

  constructor(clock: DeadlineClock = platformClock) {
    this.clock = clock;
  }

  /** The current time on the watch's clock. */
  now(): number {
    return this.clock.now();
  }

  /** Number of entries being watched. */
  get size(): number {
    return this.entries.size;
  }

  /** Starts watching `entry`. */
  add(entry: Deadline): void {
    this.entries.add(entry);
    if (entry.deadline < this.armedFor) this.arm(entry.deadline);
    else if (!this.refed && isRefable(this.timer)) {
      this.timer.ref();
      this.refed = true;
    }
  }

  /** Stops watching `entry` (no-op when not watched). */
  delete(entry: Deadline): void {
    if (!this.entries.delete(entry) || this.entries.size > 0 || this.timer === undefined) return;
    // Nothing left to watch: let the process exit, but keep the timer for the next entry when that is cheap.
    if (isRefable(this.timer)) {
      if (this.refed) this.timer.unref();
      this.refed = false;
    } else this.disarm();
  }

  private arm(at: number): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.armedFor = at;
    this.refed = true;
    this.timer = this.clock.setTimer(() => this.fire(), Math.max(0, at - this.clock.now()));
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    this.refed = false;
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    this.refed = false;
    const now = this.clock.now();
    const due: Deadline[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const e of this.entries) {
      if (e.deadline <= now) due.push(e);
      else if (e.deadline < next) next = e.deadline;
    }
    for (const e of due) this.entries.delete(e);
    if (next !== Number.POSITIVE_INFINITY) this.arm(next);
    for (const e of due) e.expire();
  }
}
