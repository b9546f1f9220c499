/**
 * Field errors shaped like apimachinery's `field.Error`: the `reason` (cause type), the field path and the message
 * body the real server puts into `Status.details.causes[].message` (`Required value`, `Invalid value: "x": detail`,
 * `Unsupported value: "x": supported values: "a", "b"`, …).
 */
import type { FieldCause } from "../errors/index.ts";

export type { FieldCause };

/** Cause `reason` values (apimachinery `metav1.CauseType` of field errors). */
export type FieldCauseReason =
  | "FieldValueRequired"
  | "FieldValueInvalid"
  | "FieldValueNotSupported"
  | "FieldValueTypeInvalid"
  | "FieldValueDuplicate"
  | "FieldValueTooLong"
  | "FieldValueTooMany"
  | "FieldValueForbidden"
  | "FieldValueNotFound"
  | "InternalError";

/** Go's `%#v` of decoded JSON (`map[string]interface {}{"name":"a"}`, `[]interface {}{"a", 1}`). */
export function goSyntax(value: unknown): string {
  if (value === null || value === undefined) return "interface {}(nil)";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[]interface {}{${value.map(goSyntax).join(", ")}}`;
  if (typeof value === "object") {
    const o = value as Record<string, unknown>;
    const entries = Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${goSyntax(o[k])}`);
    return `map[string]interface {}{${entries.join(", ")}}`;
  }
  return String(value);
}

/**
 * Formats a value the way `field.Error.ErrorBody` does: strings quoted (Go `%q`), numbers and booleans bare,
 * `null` for nil, Go `%#v` syntax for objects and arrays.
 */
export function formatFieldValue(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  return goSyntax(value);
}

function cause(reason: FieldCauseReason, field: string, message: string): FieldCause {
  return { reason, field, message };
}

function withDetail(head: string, detail: string | undefined): string {
  return detail ? `${head}: ${detail}` : head;
}

/** `Required value[: detail]`. */
export function requiredError(field: string, detail?: string): FieldCause {
  return cause("FieldValueRequired", field, withDetail("Required value", detail));
}

/** `Invalid value: <value>: detail`. */
export function invalidError(field: string, value: unknown, detail?: string): FieldCause {
  return cause("FieldValueInvalid", field, withDetail(`Invalid value: ${formatFieldValue(value)}`, detail));
}

/**
 * `Invalid value: detail` — an invalid-value error whose value is left out, as 1.37 reports a failed CEL rule on an
 * object or a list (`field.Invalid` with an omitted value).
 */
export function invalidOmittedValueError(field: string, detail: string): FieldCause {
  return cause("FieldValueInvalid", field, `Invalid value: ${detail}`);
}

/** `Invalid value: <value>: detail` with reason `FieldValueTypeInvalid`. */
export function typeInvalidError(field: string, value: unknown, detail: string): FieldCause {
  return cause("FieldValueTypeInvalid", field, withDetail(`Invalid value: ${formatFieldValue(value)}`, detail));
}

/** `Unsupported value: <value>: supported values: "a", "b"`. */
export function notSupportedError(field: string, value: unknown, supported: string[]): FieldCause {
  const detail = supported.length > 0 ? `supported values: ${supported.map((s) => JSON.stringify(s)).join(", ")}` : "";
  return cause("FieldValueNotSupported", field, withDetail(`Unsupported value: ${formatFieldValue(value)}`, detail));
}

/** `Duplicate value: <value>`. */
export function duplicateError(field: string, value: unknown): FieldCause {
  return cause("FieldValueDuplicate", field, `Duplicate value: ${formatFieldValue(value)}`);
}

/** `Too long: may not be more than N bytes` (value omitted, as the real server does). */
export function tooLongError(field: string, maxLength: number): FieldCause {
  const detail =
    maxLength >= 0 ? `may not be more than ${maxLength} ${maxLength === 1 ? "byte" : "bytes"}` : "value is too long";
  return cause("FieldValueTooLong", field, `Too long: ${detail}`);
}

/** `Too many: <actual>: must have at most N items`. */
export function tooManyError(field: string, actual: number, max: number): FieldCause {
  const detail = max >= 0 ? `must have at most ${max} ${max === 1 ? "item" : "items"}` : "has too many items";
  return cause("FieldValueTooMany", field, `Too many: ${actual}: ${detail}`);
}

/** `Forbidden[: detail]`. */
export function forbiddenError(field: string, detail?: string): FieldCause {
  return cause("FieldValueForbidden", field, withDetail("Forbidden", detail));
}

/** Renders causes as the real server's aggregate message text (`field: message`, several joined as `[a, b]`). */
export function formatCauses(causes: FieldCause[]): string {
  const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  return parts.length === 1 ? (parts[0] ?? "") : `[${parts.join(", ")}]`;
}

/** Appends a property name to a field path the way `field.Path.Child` prints it (`spec.x`). */
export function childPath(path: string, name: string): string {
  return path === "" ? name : `${path}.${name}`;
}

/** Appends a list index (`spec.x[0]`). */
export function indexPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

/** Appends a map key (`spec.x[key]`), as `field.Path.Key` prints it. */
export function keyPath(path: string, key: string): string {
  return `${path}[${key}]`;
}
