/**
 * Kubernetes object-name grammars (RFC 1123 labels and subdomains).
 *
 * @packageDocumentation
 */

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN_PART = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const SUBDOMAIN = new RegExp(`^${SUBDOMAIN_PART}(\\.${SUBDOMAIN_PART})*$`);

/** Longest RFC 1123 label (e.g. a Workspace or Service name). */
export const DNS1123_LABEL_MAX_LENGTH = 63;
/** Longest RFC 1123 subdomain (e.g. a Secret or ConfigMap name). */
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;

/**
 * Whether `value` is an RFC 1123 label: at most 63 lowercase alphanumerics or `-`, starting and ending with an
 * alphanumeric. Workspace names must be labels (Kaito rejects dotted names).
 */
export function isDns1123Label(value: string): boolean {
  return value.length > 0 && value.length <= DNS1123_LABEL_MAX_LENGTH && LABEL.test(value);
}

/**
 * Whether `value` is an RFC 1123 subdomain: at most 253 characters, dot-separated labels. Secret, ConfigMap and
 * adapter names must be subdomains.
 */
export function isDns1123Subdomain(value: string): boolean {
  return value.length > 0 && value.length <= DNS1123_SUBDOMAIN_MAX_LENGTH && SUBDOMAIN.test(value);
}

/**
 * Why `value` is not a DNS-1123 name, in words (empty when it is one). `kind` selects the grammar.
 * @internal
 */
export function explainDns1123(value: string, kind: "label" | "subdomain"): string[] {
  const reasons: string[] = [];
  if (value.length === 0) return ["it is empty"];
  const max = kind === "label" ? DNS1123_LABEL_MAX_LENGTH : DNS1123_SUBDOMAIN_MAX_LENGTH;
  if (value.length > max) reasons.push(`it is ${value.length} characters long (at most ${max} allowed)`);
  const chars = scanNameCharacters(value, kind);
  if (chars.upper) reasons.push("it contains uppercase letters");
  if (chars.bad.length > 0) reasons.push(`it contains ${chars.bad.map((c) => JSON.stringify(c)).join(", ")}`);
  if (!isAsciiAlnum(value.charCodeAt(0)) || !isAsciiAlnum(value.charCodeAt(value.length - 1))) {
    reasons.push("it must start and end with a letter or digit");
  }
  if (kind === "subdomain" && /\.\.|\.-|-\./.test(value)) {
    reasons.push("each dot-separated part must start and end with a letter or digit");
  }
  return reasons;
}

function isAsciiAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Uppercase letters, and the distinct characters (code points, in order of appearance) the grammar does not allow. */
function scanNameCharacters(value: string, kind: "label" | "subdomain"): { upper: boolean; bad: string[] } {
  let upper = false;
  const bad: string[] = [];
  for (const ch of value) {
    const c = ch.charCodeAt(0);
    if (c >= 65 && c <= 90) upper = true;
    else if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || (c === 46 && kind === "subdomain"))) {
      if (!bad.includes(ch)) bad.push(ch);
    }
  }
  return { upper, bad };
}

/**
 * The Kubernetes wording for a name that is not a label/subdomain, followed by the concrete reasons.
 * @internal
 */
export function dns1123Message(value: string, kind: "label" | "subdomain"): string {
  const grammar =
    kind === "label"
      ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (at most 63 characters)"
      : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (at most 253 characters)";
  const reasons = explainDns1123(value, kind);
  return reasons.length > 0 ? `${grammar}; here ${reasons.join(", ")}` : grammar;
}

/**
 * A lowercase, DNS-safe suggestion derived from `value` (for hints).
 * @internal
 */
export function suggestDns1123(value: string): string {
  return (
    value
      .toLowerCase()
      .replace(/[^a-z0-9.-]+/g, "-")
      .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "")
      .slice(0, 63) || "my-name"
  );
}
