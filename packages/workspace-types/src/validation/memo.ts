/**
 * Small bounded caches for pure checks of one string (image references, URLs): Workspaces of one cluster repeat
 * the same registries, images and dataset URLs, and the checks cost far more than a map lookup.
 * @internal
 */

/** Entries kept before a cache starts over. */
export const MEMO_MAX_ENTRIES = 1024;
/** Longer strings are checked every time and never kept (a cache of huge strings would hold on to memory). */
export const MEMO_MAX_KEY_LENGTH = 512;

const UNDEFINED: unique symbol = Symbol("undefined");

/**
 * Memoise `fn`, a pure function of one string. The cache is bounded: when it holds {@link MEMO_MAX_ENTRIES} entries
 * it is cleared (cheaper than LRU bookkeeping; a working set that fits stays warm). Results are shared between
 * callers, so `fn` must return immutable values (strings, `undefined`, frozen objects).
 */
export function memoizeStringCheck<T>(fn: (s: string) => T): (s: string) => T {
  // `undefined` (the usual "no problem" answer) is stored as a marker so that a hit costs one lookup
  const cache = new Map<string, T | typeof UNDEFINED>();
  return (s: string): T => {
    if (s.length > MEMO_MAX_KEY_LENGTH) return fn(s);
    const hit = cache.get(s);
    if (hit !== undefined) return hit === UNDEFINED ? (undefined as T) : hit;
    const value = fn(s);
    if (cache.size >= MEMO_MAX_ENTRIES) cache.clear();
    cache.set(s, value === undefined ? UNDEFINED : value);
    return value;
  };
}
