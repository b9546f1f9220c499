/**
 * One shared timer for many deadlines. Every request attempt has a deadline (the `timeoutMs` to response headers),
 * but almost all of them finish long before it; arming and clearing a platform timer per attempt costs more than the
 * rest of the client's per-request work. The watch keeps a single timer armed for the earliest deadline, and where
 * the platform can unref timers (Node, Bun) it unrefs it once, when armed, and keeps it between requests: the next
 * attempt then costs a `Set.add` and a `Set.delete` (toggling ref/unref per request cost more than the rest of the
 * client's own work). An unref'd timer is enough, because a request in flight keeps the process alive by its own
 * connection. Deadlines still fire on time: adding an earlier deadline re-arms the timer, and a timer that fires early
 * for a later deadline re-arms itself for that one. Where timers cannot be unref'd (browsers), the timer is cleared
 * once nothing is watched.
 */

/** Something with a deadline, cut by {@link DeadlineWatch} when it passes. */
export interface Deadline {
  /** When to fire, on the watch's clock (milliseconds). */
  readonly deadline: number;
  /** Called once when the deadline passed while the entry was still watched. */
  expire(): void;
  /** Where the watch keeps the entry (set by the watch; -1 or absent when not watched). */
  watchSlot?: number;
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

type Refable = { unref(): unknown };

function isRefable(t: unknown): t is Refable {
  return typeof t === "object" && t !== null && typeof (t as Partial<Refable>).unref === "function";
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
  /**
   * The watched entries, each knowing its index (`watchSlot`) so that removal is a swap with the last one. (A `Set`
   * of fresh objects cost ~1 µs per add and delete here, the largest part of the client's own per-request work.)
   */
  private readonly entries: Deadline[] = [];
  private timer: unknown = undefined;
  /** When the armed timer fires (Infinity: none armed). */
  private armedFor = Number.POSITIVE_INFINITY;

  constructor(clock: DeadlineClock = platformClock) {
    this.clock = clock;
  }

  /** The current time on the watch's clock. */
  now(): number {
    return this.clock.now();
  }

  /** Number of entries being watched. */
  get size(): number {
    return this.entries.length;
  }

  /** Starts watching `entry`. */
  add(entry: Deadline): void {
    if (this.watches(entry)) return;
    entry.watchSlot = this.entries.length;
    this.entries.push(entry);
    if (entry.deadline < this.armedFor) this.arm(entry.deadline);
  }

  /** Stops watching `entry` (no-op when not watched). */
  delete(entry: Deadline): void {
    if (!this.watches(entry)) return;
    const slot = entry.watchSlot as number;
    const last = this.entries.pop() as Deadline;
    if (last !== entry) {
      this.entries[slot] = last;
      last.watchSlot = slot;
    }
    entry.watchSlot = -1;
    if (this.entries.length > 0 || this.timer === undefined) return;
    // Nothing left to watch: an unref'd timer stays for the next entry; a plain one is cleared.
    if (!isRefable(this.timer)) this.disarm();
  }

  private watches(entry: Deadline): boolean {
    const slot = entry.watchSlot;
    return slot !== undefined && slot >= 0 && this.entries[slot] === entry;
  }

  private arm(at: number): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.armedFor = at;
    this.timer = this.clock.setTimer(() => this.fire(), Math.max(0, at - this.clock.now()));
    if (isRefable(this.timer)) this.timer.unref();
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    const due: Deadline[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const e of this.entries) {
      if (e.deadline <= now) due.push(e);
      else if (e.deadline < next) next = e.deadline;
    }
    for (const e of due) this.delete(e);
    if (next !== Number.POSITIVE_INFINITY) this.arm(next);
    for (const e of due) e.expire();
  }
}
