/** The OpenAPI v3 schema of CRDs (`apiextensions.k8s.io/v1 JSONSchemaProps`), as far as cluster-sim reads it. */

/** One `x-kubernetes-validations` entry. */
export interface ValidationRule {
  /** The CEL expression; `self` is the value at this schema node, `oldSelf` the previous value (transition rules). */
  rule: string;
  /** Static failure message. Default: `failed rule: <rule>`. */
  message?: string;
  /** CEL expression (string-valued) producing the failure message; wins over `message` when it evaluates. */
  messageExpression?: string;
  /** Cause reason of the failure. Default `FieldValueInvalid`. */
  reason?: "FieldValueInvalid" | "FieldValueForbidden" | "FieldValueRequired" | "FieldValueDuplicate";
  /** Relative JSON path (`.spec.x`, `['a.b']`) appended to the field path of the failure. */
  fieldPath?: string;
  /** Evaluate transition rules also when there is no old value (`oldSelf` is then an empty optional). */
  optionalOldSelf?: boolean;
}

/** A CRD schema node. */
export interface JSONSchemaProps {
  type?: string;
  format?: string;
  title?: string;
  description?: string;
  default?: unknown;
  example?: unknown;
  enum?: unknown[];
  nullable?: boolean;
  maximum?: number;
  exclusiveMaximum?: boolean;
  minimum?: number;
  exclusiveMinimum?: boolean;
  multipleOf?: number;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  maxItems?: number;
  minItems?: number;
  uniqueItems?: boolean;
  maxProperties?: number;
  minProperties?: number;
  required?: string[];
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps | boolean;
  /** Only a single schema is valid in a CRD; the array form is rejected by {@link checkStructuralSchema}. */
  items?: JSONSchemaProps | JSONSchemaProps[];
  allOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  $ref?: string;
  $schema?: string;
  id?: string;
  definitions?: Record<string, JSONSchemaProps>;
  patternProperties?: Record<string, JSONSchemaProps>;
  dependencies?: Record<string, unknown>;
  additionalItems?: JSONSchemaProps | boolean;
  externalDocs?: { description?: string; url?: string };
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: "granular" | "atomic";
  "x-kubernetes-validations"?: ValidationRule[];
}

/** A JSON value (what decoded request bodies contain). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** True for plain JSON objects (not arrays, not null). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The schema of the items of an array node (undefined for the forbidden array form). */
export function itemsSchema(s: JSONSchemaProps | undefined): JSONSchemaProps | undefined {
  const it = s?.items;
  return it === undefined || Array.isArray(it) ? undefined : it;
}

/** The schema of additionalProperties values, when it is a schema (not a boolean). */
export function additionalPropertiesSchema(s: JSONSchemaProps | undefined): JSONSchemaProps | undefined {
  const ap = s?.additionalProperties;
  return typeof ap === "object" ? ap : undefined;
}

/**
 * Deep clone of JSON data. Plain objects and arrays are copied by a walk (much cheaper than `structuredClone`, and
 * the copies are never frozen); anything else that is an object falls back to `structuredClone`.
 */
export function cloneJson<T>(v: T): T {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = cloneJson(v[i]);
    return out as T;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = cloneJson((v as Record<string, unknown>)[k]);
  return out as T;
}

/** Structural deep equality of JSON values (object key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    return a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao);
  if (ak.length !== Object.keys(bo).length) return false;
  return ak.every((k) => Object.hasOwn(bo, k) && jsonEqual(ao[k], bo[k]));
}
