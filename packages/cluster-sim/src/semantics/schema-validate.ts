/**
 * Value validation of custom resources against their structural schema, with the causes the real server returns
 * (kube-openapi's validator as mapped by apiextensions-apiserver's `kubeOpenAPIResultToFieldErrors`).
 */
import {
  childPath,
  duplicateError,
  type FieldCause,
  formatFieldValue,
  indexPath,
  invalidError,
  notSupportedError,
  requiredError,
  tooLongError,
  tooManyError,
  typeInvalidError,
} from "./field-errors.ts";
import {
  additionalPropertiesSchema,
  isPlainObject,
  itemsSchema,
  type JSONSchemaProps,
  jsonEqual,
} from "./schema-types.ts";

/** The JSON type name kube-openapi reports for a value (`string`, `integer`, `number`, `boolean`, `array`, `object`, `null`). */
export function jsonTypeName(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  if (typeof v === "object") return "object";
  return typeof v;
}

function inBody(path: string): string {
  return `${path} in body`;
}

const patternCache = new Map<string, RegExp | null>();

/** Compiles an ECMA-262/RE2 pattern once; `null` when JavaScript cannot compile it. */
export function compilePattern(pattern: string): RegExp | null {
  let re = patternCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern, "u");
    } catch {
      try {
        re = new RegExp(pattern);
      } catch {
        re = null;
      }
    }
    patternCache.set(pattern, re);
  }
  return re;
}

const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const UUID_RE = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;
const HOSTNAME_RE =
  /^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$/u;
const EMAIL_RE = /^[^@\s]+@[^@\s]+$/;
const IPV4_RE = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const MAC_RE = /^([0-9A-Fa-f]{2}[:-]){5}([0-9A-Fa-f]{2})$/;
const DURATION_RE = /^(-?\d+(\.\d+)?(ns|us|µs|ms|s|m|h|d|w))+$/;
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

function isIPv6(s: string): boolean {
  if (!s.includes(":")) return false;
  try {
    return new URL(`http://[${s}]/`).hostname.length > 0;
  } catch {
    return false;
  }
}

/** Checks a string against a CRD `format`; unknown formats always pass (as on the real server). */
export function checkStringFormat(format: string, s: string): boolean {
  switch (format) {
    case "date-time":
    case "datetime":
      return DATE_TIME_RE.test(s) && !Number.isNaN(Date.parse(s.replace(" ", "T")));
    case "date":
      return DATE_RE.test(s) && !Number.isNaN(Date.parse(s));
    case "uuid":
    case "uuid3":
    case "uuid4":
    case "uuid5":
      return UUID_RE.test(s);
    case "email":
      return EMAIL_RE.test(s);
    case "hostname":
      return s.length <= 255 && HOSTNAME_RE.test(s);
    case "ipv4":
      return IPV4_RE.test(s);
    case "ipv6":
      return isIPv6(s);
    case "cidr": {
      const [ip, bits, extra] = s.split("/");
      if (ip === undefined || bits === undefined || extra !== undefined || !/^\d+$/.test(bits)) return false;
      const n = Number(bits);
      return IPV4_RE.test(ip) ? n <= 32 : isIPv6(ip) && n <= 128;
    }
    case "mac":
      return MAC_RE.test(s);
    case "uri":
      try {
        new URL(s);
        return true;
      } catch {
        return false;
      }
    case "duration":
      return DURATION_RE.test(s);
    case "byte":
      return s.length % 4 === 0 && BASE64_RE.test(s);
    default:
      return true;
  }
}

function typeMatches(type: string, v: unknown): boolean {
  switch (type) {
    case "object":
      return isPlainObject(v);
    case "array":
      return Array.isArray(v);
    case "string":
      return typeof v === "string";
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "number":
      return typeof v === "number";
    case "boolean":
      return typeof v === "boolean";
    default:
      return true;
  }
}

interface Ctx {
  causes: FieldCause[];
}

function listMapKey(item: unknown, keys: string[]): string | undefined {
  if (!isPlainObject(item)) return undefined;
  const k: Record<string, unknown> = {};
  for (const key of keys) k[key] = item[key];
  return JSON.stringify(k);
}

function validateNode(s: JSONSchemaProps, v: unknown, path: string, ctx: Ctx, isRoot: boolean): void {
  const causes = ctx.causes;
  if (v === null || v === undefined) {
    if (s.nullable) return;
    if (s.type) {
      causes.push(typeInvalidError(path, "null", `${inBody(path)} must be of type ${s.type}: "null"`));
    }
    return;
  }
  if (s["x-kubernetes-int-or-string"]) {
    if (!(typeof v === "string" || (typeof v === "number" && Number.isInteger(v)))) {
      const t = jsonTypeName(v);
      causes.push(typeInvalidError(path, t, `${inBody(path)} must be of type integer,string: ${JSON.stringify(t)}`));
      return;
    }
  } else if (s.type && !typeMatches(s.type, v)) {
    const t = jsonTypeName(v);
    causes.push(typeInvalidError(path, t, `${inBody(path)} must be of type ${s.type}: ${JSON.stringify(t)}`));
    return;
  }

  if (typeof v === "string") {
    const len = [...v].length;
    if (s.maxLength !== undefined && len > s.maxLength) causes.push(tooLongError(path, s.maxLength));
    if (s.minLength !== undefined && len < s.minLength) {
      causes.push(invalidError(path, v, `${inBody(path)} should be at least ${s.minLength} chars long`));
    }
    if (s.pattern !== undefined) {
      const re = compilePattern(s.pattern);
      if (re && !re.test(v)) causes.push(invalidError(path, v, `${inBody(path)} should match '${s.pattern}'`));
    }
    if (s.format && !checkStringFormat(s.format, v)) {
      causes.push(typeInvalidError(path, v, `${inBody(path)} must be of type ${s.format}: ${JSON.stringify(v)}`));
    }
  } else if (typeof v === "number") {
    if (s.multipleOf !== undefined && s.multipleOf > 0) {
      const q = v / s.multipleOf;
      if (Math.abs(q - Math.round(q)) > 1e-9) {
        causes.push(invalidError(path, v, `${inBody(path)} should be a multiple of ${s.multipleOf}`));
      }
    }
    if (s.maximum !== undefined) {
      if (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum) {
        const rel = s.exclusiveMaximum ? "less than" : "less than or equal to";
        causes.push(invalidError(path, v, `${inBody(path)} should be ${rel} ${s.maximum}`));
      }
    }
    if (s.minimum !== undefined) {
      if (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum) {
        const rel = s.exclusiveMinimum ? "greater than" : "greater than or equal to";
        causes.push(invalidError(path, v, `${inBody(path)} should be ${rel} ${s.minimum}`));
      }
    }
    if (s.format === "int32" && Number.isInteger(v) && (v > 2147483647 || v < -2147483648)) {
      causes.push(invalidError(path, v, `${inBody(path)} must be of type int32: ${JSON.stringify(String(v))}`));
    }
  }

  if (s.enum !== undefined && !s.enum.some((e) => jsonEqual(e, v))) {
    causes.push(
      notSupportedError(
        path,
        v,
        s.enum.map((e) => (typeof e === "string" ? e : JSON.stringify(e))),
      ),
    );
  }

  if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems) {
      causes.push(invalidError(path, v.length, `${inBody(path)} should have at least ${s.minItems} items`));
    }
    if (s.maxItems !== undefined && v.length > s.maxItems) causes.push(tooManyError(path, v.length, s.maxItems));
    if (s.uniqueItems) {
      for (let i = 0; i < v.length; i++) {
        if (v.slice(0, i).some((x) => jsonEqual(x, v[i]))) {
          causes.push(invalidError(path, "", `${inBody(path)} shouldn't contain duplicates`));
          break;
        }
      }
    }
    const listType = s["x-kubernetes-list-type"];
    if (listType === "set") {
      const seen: unknown[] = [];
      v.forEach((item, i) => {
        if (seen.some((x) => jsonEqual(x, item))) causes.push(duplicateError(indexPath(path, i), item));
        else seen.push(item);
      });
    } else if (listType === "map") {
      const keys = s["x-kubernetes-list-map-keys"] ?? [];
      const seen = new Set<string>();
      v.forEach((item, i) => {
        const k = listMapKey(item, keys);
        if (k === undefined) return;
        if (seen.has(k)) causes.push(duplicateError(indexPath(path, i), JSON.parse(k)));
        else seen.add(k);
      });
    }
    const items = itemsSchema(s);
    if (items) {
      v.forEach((item, i) => {
        validateNode(items, item, indexPath(path, i), ctx, false);
      });
    }
  }

  if (isPlainObject(v)) {
    const keys = Object.keys(v);
    if (s["x-kubernetes-embedded-resource"]) {
      if (typeof v.apiVersion !== "string" || v.apiVersion === "") {
        causes.push(requiredError(childPath(path, "apiVersion"), "must not be empty"));
      }
      if (typeof v.kind !== "string" || v.kind === "") {
        causes.push(requiredError(childPath(path, "kind"), "must not be empty"));
      }
    }
    if (s.maxProperties !== undefined && keys.length > s.maxProperties) {
      causes.push(tooManyError(path, keys.length, s.maxProperties));
    }
    if (s.minProperties !== undefined && keys.length < s.minProperties) {
      causes.push(
        invalidError(path, keys.length, `${inBody(path)} should have at least ${s.minProperties} properties`),
      );
    }
    for (const r of s.required ?? []) {
      if (!Object.hasOwn(v, r)) causes.push(requiredError(childPath(path, r)));
    }
    const props = s.properties ?? {};
    const ap = additionalPropertiesSchema(s);
    if (isRoot && isPlainObject(v.metadata)) {
      // only name and generateName may be constrained by a CRD schema; the rest is ObjectMeta's own validation
      const metaSchema = props.metadata;
      for (const k of ["name", "generateName"] as const) {
        const ks = metaSchema?.properties?.[k];
        if (ks && v.metadata[k] !== undefined)
          validateNode(ks, v.metadata[k], childPath(childPath(path, "metadata"), k), ctx, false);
      }
    }
    for (const k of keys) {
      if (isRoot && (k === "metadata" || k === "apiVersion" || k === "kind")) continue;
      const ps = props[k];
      if (ps) validateNode(ps, v[k], childPath(path, k), ctx, false);
      else if (ap) validateNode(ap, v[k], childPath(path, k), ctx, false);
      else if (s.additionalProperties === false && !s["x-kubernetes-preserve-unknown-fields"]) {
        causes.push(invalidError(childPath(path, k), "", `${inBody(childPath(path, k))} is a forbidden property`));
      }
    }
  }

  validateJunctors(s, v, path, ctx);
}

function validateJunctors(s: JSONSchemaProps, v: unknown, path: string, ctx: Ctx): void {
  const matches = (sub: JSONSchemaProps): boolean => {
    const c: Ctx = { causes: [] };
    validateNode(sub, v, path, c, false);
    return c.causes.length === 0;
  };
  for (const sub of s.allOf ?? []) validateNode(sub, v, path, ctx, false);
  if (s.anyOf && s.anyOf.length > 0 && !s.anyOf.some(matches)) {
    ctx.causes.push(invalidError(path, v, `${inBody(path)} must validate at least one schema (anyOf)`));
  }
  if (s.oneOf && s.oneOf.length > 0) {
    const n = s.oneOf.filter(matches).length;
    if (n !== 1)
      ctx.causes.push(invalidError(path, v, `${inBody(path)} must validate one and only one schema (oneOf)`));
  }
  if (s.not && matches(s.not)) {
    ctx.causes.push(invalidError(path, v, `${inBody(path)} must not validate the schema (not)`));
  }
}

/**
 * Validates `obj` (a whole custom resource, or any value when `rootPath` is given) against a structural schema.
 * Returns the `Status.details.causes` entries of a 422 Invalid, in the real server's words, e.g.
 * `{reason: "FieldValueNotSupported", field: "spec.size", message: 'Unsupported value: "xxl": supported values: "s", "m"'}`.
 * At the resource root, `apiVersion`, `kind` and `metadata` are left to the object-meta validation.
 * CEL rules are not evaluated here (see `evaluateCelValidations`).
 */
export function validateStructural(schema: JSONSchemaProps, obj: unknown, rootPath = ""): FieldCause[] {
  const ctx: Ctx = { causes: [] };
  validateNode(schema, obj, rootPath, ctx, rootPath === "");
  return ctx.causes;
}

/** Formats a value like the real server's cause messages do (re-exported for callers building their own causes). */
export { formatFieldValue };
