/**
 * `resource.labelSelector` as Kaito uses it: only `matchLabels` (and single-value `In` expressions) select nodes,
 * and Kaito's own identity labels are reserved.
 *
 * @packageDocumentation
 */

import { RESERVED_SELECTOR_LABEL_KEYS } from "../constants/index.ts";
import { isDns1123Subdomain } from "./names.ts";

/** Result of {@link sanitizeLabelSelector}. */
export type LabelSelectorResult =
  | {
      readonly ok: true;
      /** The labels nodes must carry, reserved keys removed. */
      readonly matchLabels: Readonly<Record<string, string>>;
      /** Reserved keys that were dropped. */
      readonly dropped: readonly string[];
    }
  | {
      readonly ok: false;
      readonly code: "LABEL_SELECTOR_INVALID" | "LABEL_SELECTOR_ONLY_RESERVED";
      /** Path below `labelSelector`, e.g. `matchExpressions[0]`; empty for the whole selector. */
      readonly path: string;
      readonly reason: string;
    };

const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && !isDns1123Subdomain(prefix)) {
    return `label key "${key}": prefix "${prefix}" must be a lowercase DNS subdomain`;
  }
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) {
    return `label key "${key}": name part must be 1-63 characters of letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
  }
  return undefined;
}

function labelValueProblem(key: string, value: string): string | undefined {
  if (value.length === 0) return undefined;
  if (value.length > 63 || !LABEL_NAME.test(value)) {
    return `label value "${value}" of "${key}" must be at most 63 characters of letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
  }
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Convert a label selector to the node labels Kaito selects on (Kaito's `LabelSelectorAsMap` plus the reserved-key
 * filter): `matchLabels` plus each `matchExpressions` entry that is `In` with exactly one value. Other expressions
 * (`NotIn`, `Exists`, multi-value `In`…) cannot be converted and are rejected, as are malformed label keys/values,
 * contradicting entries, and a selector made only of reserved Kaito keys. An empty selector is accepted.
 */
export function sanitizeLabelSelector(selector: unknown): LabelSelectorResult {
  const raw = labelSelectorAsMap(selector);
  if (!raw.ok) return raw;
  let dropped: string[] | undefined;
  for (const k in raw.matchLabels) {
    if (!RESERVED_SELECTOR_LABEL_KEYS.includes(k)) continue;
    dropped ??= [];
    dropped.push(k);
  }
  if (dropped === undefined) return { ok: true, matchLabels: raw.matchLabels, dropped: NO_KEYS };
  const matchLabels: Record<string, string> = {};
  let kept = 0;
  for (const k in raw.matchLabels) {
    if (RESERVED_SELECTOR_LABEL_KEYS.includes(k)) continue;
    matchLabels[k] = raw.matchLabels[k] as string;
    kept++;
  }
  if (kept === 0) {
    return {
      ok: false,
      code: "LABEL_SELECTOR_ONLY_RESERVED",
      path: "matchLabels",
      reason: `labelSelector has only reserved Kaito keys (${dropped.join(", ")}); add at least one label of your own`,
    };
  }
  return { ok: true, matchLabels, dropped };
}

const NO_KEYS: readonly string[] = Object.freeze([]);

function invalid(path: string, reason: string): Extract<LabelSelectorResult, { ok: false }> {
  return { ok: false, code: "LABEL_SELECTOR_INVALID", path, reason };
}

/**
 * The selector as a label map without dropping reserved keys (used to compare selectors on update).
 * @internal
 */
export function labelSelectorAsMap(
  selector: unknown,
): { ok: true; matchLabels: Record<string, string> } | Extract<LabelSelectorResult, { ok: false }> {
  if (selector === undefined || selector === null) return { ok: true, matchLabels: {} };
  if (!isRecord(selector)) return invalid("", "labelSelector must be an object with matchLabels");
  const out: Record<string, string> = {};
  const ml = selector.matchLabels;
  if (ml !== undefined && ml !== null) {
    if (!isRecord(ml)) return invalid("matchLabels", "matchLabels must be a map of label keys to values");
    for (const k in ml) {
      if (!Object.hasOwn(ml, k)) continue;
      const v = ml[k];
      if (typeof v !== "string")
        return invalid(`matchLabels[${JSON.stringify(k)}]`, `label value of "${k}" must be a string`);
      const problem = labelKeyProblem(k) ?? labelValueProblem(k, v);
      if (problem) return invalid(`matchLabels[${JSON.stringify(k)}]`, problem);
      out[k] = v;
    }
  }
  const me = selector.matchExpressions;
  if (me !== undefined && me !== null) {
    if (!Array.isArray(me)) return invalid("matchExpressions", "matchExpressions must be a list");
    for (let i = 0; i < me.length; i++) {
      const expr: unknown = me[i];
      const path = `matchExpressions[${i}]`;
      if (!isRecord(expr) || typeof expr.key !== "string") return invalid(path, "each expression needs a key");
      const values = Array.isArray(expr.values) ? expr.values : [];
      if (expr.operator !== "In" || values.length !== 1 || typeof values[0] !== "string") {
        return invalid(
          path,
          `cannot convert expression on "${expr.key}" (operator ${String(expr.operator)} with ${values.length} value(s)) to a node label: Kaito supports only matchLabels or "In" with exactly one value`,
        );
      }
      const v = values[0];
      const problem = labelKeyProblem(expr.key) ?? labelValueProblem(expr.key, v);
      if (problem) return invalid(path, problem);
      const existing = out[expr.key];
      if (existing !== undefined && existing !== v) {
        return invalid(path, `"${expr.key}" is required to be both "${existing}" and "${v}"`);
      }
      out[expr.key] = v;
    }
  }
  return { ok: true, matchLabels: out };
}
