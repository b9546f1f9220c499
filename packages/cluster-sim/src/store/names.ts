/** Validation of object names as the real API server does it (DNS-1123 subdomain / label, DNS-1035 label). */
import type { NameRule } from "../builtin/types.ts";
import type { FieldCause } from "../errors/index.ts";

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** The field errors of `metadata.name` (or `metadata.generateName` when `field` says so). */
export function validateName(name: string, rule: NameRule, field = "metadata.name"): FieldCause[] {
  const bad = (message: string): FieldCause[] => [
    { field, reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(name)}: ${message}` },
  ];
  if (name === "." || name === "..") return bad(`may not be '${name}'`);
  if (name.includes("/")) return bad("may not contain '/'");
  if (name.includes("%")) return bad("may not contain '%'");
  switch (rule) {
    case "label":
      if (name.length > 63) return bad("must be no more than 63 characters");
      if (!LABEL.test(name))
        return bad(
          "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        );
      return [];
    case "label1035":
      if (name.length > 63) return bad("must be no more than 63 characters");
      if (!LABEL1035.test(name))
        return bad(
          "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
        );
      return [];
    default:
      if (name.length > 253) return bad("must be no more than 253 characters");
      if (!SUBDOMAIN.test(name))
        return bad(
          "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        );
      return [];
  }
}

/** Checks a name taken from a URL path segment or a body before it reaches the store. */
export function isPathSafeName(name: string): boolean {
  return name !== "" && name !== "." && name !== ".." && !name.includes("/") && !name.includes("%");
}
