/** Waiting for a condition instead of sleeping a fixed time. */

/**
 * Resolves once `predicate()` is true, polling every millisecond or so (timers and the store's background work get to
 * run in between). Fails after a generous bound, naming `what` — a bound that is never expected to be reached, not a
 * timing assertion.
 */
export async function waitFor(what: string, predicate: () => boolean, boundMs = 10_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`gave up after ${boundMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}
