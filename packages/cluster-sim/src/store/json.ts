/** Small helpers for plain JSON values: clone, deep equality, RFC 3339 time, random names. */

/** A deep copy of a JSON value (faster than structuredClone for small plain objects). */
export function cloneJson<T>(value: T): T {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneJson(value[i]);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  for (const k in value as Record<string, unknown>) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = cloneJson(v);
  }
  return out as T;
}

/** Structural equality of two JSON values (object key order does not matter; `undefined` members are absent). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let count = 0;
  for (const k in ao) {
    if (ao[k] === undefined) continue;
    count++;
    if (!deepEqual(ao[k], bo[k])) return false;
  }
  for (const k in bo) if (bo[k] !== undefined) count--;
  return count === 0;
}

/** The current time as the API server writes it: `YYYY-MM-DDThh:mm:ssZ`. */
export function nowRfc3339(date?: Date): string {
  const ms = date ? date.getTime() : Date.now();
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastSecondText = `${new Date(ms).toISOString().slice(0, 19)}Z`;
  }
  return lastSecondText;
}
let lastSecond = Number.NaN;
let lastSecondText = "";

const NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789";

/** The 5-character suffix the real server appends to `generateName`. */
export function randomSuffix(): string {
  let s = "";
  for (let i = 0; i < 5; i++) s += NAME_CHARS[Math.floor(Math.random() * NAME_CHARS.length)];
  return s;
}

/** True for a plain JSON object. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
