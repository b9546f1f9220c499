/**
 * Recognising values copied from an example that still hold a placeholder (`ACR_REPO_HERE`, `<your-registry>`,
 * `YOUR_TOKEN`…).
 *
 * @packageDocumentation
 */

import { memoizeStringCheck } from "./memo.ts";

const PLACEHOLDER_PATTERNS: readonly RegExp[] = [
  /[A-Z0-9_]*_HERE\b/g, // ACR_REPO_HERE, IMAGE_NAME_HERE
  /\b[a-z0-9-]*-here\b/g, // registry-secret-here
  /<[^<>]+>/g, // <your-registry>, <IMAGE>
  /\bYOUR[_-][A-Za-z0-9_-]*/gi, // YOUR_REGISTRY, your-secret
  /\b(?:REPLACE[_-]?ME|CHANGE[_-]?ME|FIXME|TODO)\b/gi,
  /\$\{[^}]*\}|\{\{[^}]*\}\}/g, // ${VAR}, {{ .Values.x }}
];

/** Cheap pre-check: every pattern above needs one of these substrings (measured faster than a character scan). */
const MAYBE_PLACEHOLDER = /here|<|your|replace|change|fixme|todo|\$\{|\{\{/i;

/**
 * Whether `value` may hold a placeholder (a fast pre-check; {@link findPlaceholders} decides).
 * @internal
 */
export function maybePlaceholder(value: string): boolean {
  return MAYBE_PLACEHOLDER.test(value);
}

/** The placeholder parts of a string that passed the pre-check (memoised: placeholder values repeat). */
const partsOf = memoizeStringCheck((value: string): readonly string[] => {
  const found: string[] = [];
  for (const pattern of PLACEHOLDER_PATTERNS) {
    for (const m of value.matchAll(pattern)) {
      if (!found.includes(m[0])) found.push(m[0]);
    }
  }
  return Object.freeze(found);
});

const NONE: readonly string[] = Object.freeze([]);

/**
 * The placeholder-looking parts of `value` as a shared, frozen array (empty when it looks like a real value).
 * @internal
 */
export function placeholderParts(value: string): readonly string[] {
  return maybePlaceholder(value) ? partsOf(value) : NONE;
}

/**
 * The placeholder-looking parts of `value` (e.g. `["ACR_REPO_HERE", "IMAGE_NAME_HERE"]` for the seed's output
 * image), or an empty array when it looks like a real value.
 */
export function findPlaceholders(value: string): string[] {
  return [...placeholderParts(value)];
}

/**
 * A hint that says the value still holds example placeholders, or `undefined` when it does not look like one.
 * @internal
 */
export function placeholderHint(value: string, what: string): string | undefined {
  const parts = placeholderParts(value);
  if (parts.length === 0) return undefined;
  const list = parts.map((p) => `"${p}"`).join(", ");
  return `${list} ${parts.length === 1 ? "is a placeholder" : "are placeholders"} from an example: replace ${parts.length === 1 ? "it" : "them"} with ${what}`;
}
