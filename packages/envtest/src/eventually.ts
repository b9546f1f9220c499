/**
 * `eventually`: poll until a check returns a value — what Go's envtest users write with Gomega's `Eventually`. A
 * controller under test converges asynchronously; the test waits for the state, not for a fixed time.
 */
import { EnvtestError } from "./errors.ts";

/** How long {@link eventually} keeps polling, and how often. */
export interface EventuallyOptions {
  /** Give up after this many ms (default 30,000). */
  readonly timeoutMs?: number;
  /** Wait this many ms between checks (default 50). */
  readonly intervalMs?: number;
}

/**
 * Call `check` until it returns a value other than `undefined` or `false`, and resolve with it. A check that throws
 * counts as not yet (its last error is quoted if time runs out).
 * @param what What is awaited, for the message (`"the Widget ready"`).
 * @param options The timeout in ms, or {@link EventuallyOptions}.
 * @throws EnvtestError `TIMEOUT` naming `what`, the time waited and the check's last error.
 * @example
 * const ready = await eventually("w1 ready", async () => (await getWidget("w1")).status?.ready === true, 60_000);
 */
export async function eventually<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  options: number | EventuallyOptions = {},
): Promise<T> {
  const { timeoutMs = 30_000, intervalMs = 50 } = typeof options === "number" ? { timeoutMs: options } : options;
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) {
      throw new EnvtestError(
        "TIMEOUT",
        `timed out waiting for ${what} (${timeoutMs} ms)${last !== undefined ? `: ${String(last)}` : ""}`,
        last !== undefined ? { cause: last } : {},
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
