/** Name hashes the way Kubernetes controllers compute them (FNV-1a, "safe" alphabet). */

const SAFE = "bcdfghjklmnpqrstvwxz2456789";

/** 32-bit FNV-1a of a string's UTF-8 bytes. */
export function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Encodes a number in Kubernetes' vowel-free alphabet (like `rand.SafeEncodeString` of its decimal form). */
export function safeEncode(n: number): string {
  return [...String(n)].map((d) => SAFE[Number(d.charCodeAt(0)) % SAFE.length]).join("");
}

/** A pod-template-hash / controller-revision hash of a JSON value (stable key order). */
export function templateHash(value: unknown, collisionCount = 0): string {
  return safeEncode(fnv32a(stableJson(value) + (collisionCount > 0 ? String(collisionCount) : "")));
}

/** JSON with object keys sorted, so equal values hash equally. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(",")}}`;
}
