/**
 * The "is this schema structural?" check apiextensions-apiserver runs when a CRD is created or updated. Each problem
 * is a line `<path>: <Reason>: <detail>` worded like the real server's `spec.versions[0].schema.openAPIV3Schema…`
 * errors, so a CRD registration can be refused with a 422 naming the offending node.
 */
import { validateStructural } from "./schema-validate.ts";
import { isPlainObject, type JSONSchemaProps } from "./schema-types.ts";

type Level = "root" | "field" | "item";

const ALLOWED_TYPES = new Set(["object", "array", "string", "integer", "number", "boolean"]);
const JUNCTOR_FORBIDDEN: (keyof JSONSchemaProps)[] = [
  "type",
  "description",
  "default",
  "nullable",
  "additionalProperties",
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-embedded-resource",
  "x-kubernetes-int-or-string",
  "title",
];

interface Out {
  errs: string[];
}

function err(out: Out, path: string, reason: string, detail?: string): void {
  out.errs.push(detail ? `${path}: ${reason}: ${detail}` : `${path}: ${reason}`);
}

function child(path: string, name: string): string {
  return path === "" ? name : `${path}.${name}`;
}

function checkForbiddenKeywords(s: JSONSchemaProps, path: string, out: Out): void {
  if (s.$ref !== undefined) err(out, child(path, "$ref"), "Forbidden", "$ref is not supported");
  if (s.definitions !== undefined) err(out, child(path, "definitions"), "Forbidden", "definitions are not supported");
  if (s.dependencies !== undefined)
    err(out, child(path, "dependencies"), "Forbidden", "dependencies are not supported");
  if (s.patternProperties !== undefined) {
    err(out, child(path, "patternProperties"), "Forbidden", "patternProperties is not supported");
  }
  if (s.additionalItems !== undefined)
    err(out, child(path, "additionalItems"), "Forbidden", "additionalItems is not supported");
  if (s.id !== undefined) err(out, child(path, "id"), "Forbidden", "id is not supported");
  if (s.$schema !== undefined) err(out, child(path, "$schema"), "Forbidden", "$schema is not supported");
  if (s.uniqueItems === true) {
    err(
      out,
      child(path, "uniqueItems"),
      "Forbidden",
      "uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
    );
  }
  if (s["x-kubernetes-preserve-unknown-fields"] === false) {
    err(out, child(path, "x-kubernetes-preserve-unknown-fields"), "Invalid value", "false: must be true or undefined");
  }
}

function collectJunctorProps(s: JSONSchemaProps, path: string, outer: JSONSchemaProps, out: Out): void {
  for (const key of JUNCTOR_FORBIDDEN) {
    if (s[key] !== undefined) err(out, child(path, key), "Forbidden", "must be empty to be structural");
  }
  for (const name of Object.keys(s.properties ?? {})) {
    if (!outer.properties?.[name]) {
      err(
        out,
        `${child(path, "properties")}[${name}]`,
        "Forbidden",
        "must have a corresponding property in the outer schema to be structural",
      );
    }
  }
  if (s.items !== undefined && !Array.isArray(s.items) && outer.items === undefined) {
    err(out, child(path, "items"), "Forbidden", "must have a corresponding items in the outer schema to be structural");
  }
  for (const [k, list] of [
    ["allOf", s.allOf],
    ["anyOf", s.anyOf],
    ["oneOf", s.oneOf],
  ] as const) {
    list?.forEach((sub, i) => {
      collectJunctorProps(sub, `${child(path, k)}[${i}]`, outer, out);
    });
  }
  if (s.not) collectJunctorProps(s.not, child(path, "not"), outer, out);
}

function checkNode(s: JSONSchemaProps, path: string, level: Level, out: Out): void {
  if (!isPlainObject(s as unknown)) {
    err(out, path, "Invalid value", "must be a schema object");
    return;
  }
  checkForbiddenKeywords(s, path, out);
  const intOrString = s["x-kubernetes-int-or-string"] === true;
  const embedded = s["x-kubernetes-embedded-resource"] === true;
  const preserve = s["x-kubernetes-preserve-unknown-fields"] === true;

  if (s.type !== undefined && s.type !== "" && !ALLOWED_TYPES.has(s.type)) {
    err(
      out,
      child(path, "type"),
      "Unsupported value",
      `${JSON.stringify(s.type)}: supported values: "array", "boolean", "integer", "number", "object", "string"`,
    );
  }
  if (intOrString && s.type) {
    err(
      out,
      child(path, "type"),
      "Invalid value",
      `${JSON.stringify(s.type)}: must be empty if x-kubernetes-int-or-string is true`,
    );
  }
  if (!s.type && !intOrString && !embedded) {
    if (level === "root") err(out, child(path, "type"), "Required value", "must not be empty at the root");
    else if (level === "item" && !preserve) {
      err(out, child(path, "type"), "Required value", "must not be empty for specified array items");
    } else if (level === "field" && !preserve) {
      err(out, child(path, "type"), "Required value", "must not be empty for specified object fields");
    }
  }
  if (level === "root" && s.type && s.type !== "object") {
    err(out, child(path, "type"), "Invalid value", `${JSON.stringify(s.type)}: must be object at the root`);
  }
  if (embedded && s.type && s.type !== "object") {
    err(
      out,
      child(path, "type"),
      "Invalid value",
      `${JSON.stringify(s.type)}: must be object if x-kubernetes-embedded-resource is true`,
    );
  }
  if (embedded && !preserve && !s.properties) {
    err(
      out,
      child(path, "properties"),
      "Required value",
      "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields",
    );
  }
  if (s.additionalProperties !== undefined) {
    if (s.properties !== undefined) {
      err(
        out,
        child(path, "additionalProperties"),
        "Forbidden",
        "additionalProperties and properties are mutual exclusive",
      );
    }
    if (s.additionalProperties === false) {
      err(out, child(path, "additionalProperties"), "Forbidden", "must not be false");
    }
    if (preserve && s.additionalProperties !== undefined && s.additionalProperties !== false) {
      err(
        out,
        child(path, "additionalProperties"),
        "Forbidden",
        "must not be used if x-kubernetes-preserve-unknown-fields is true",
      );
    }
  }
  if (s.type === "array") {
    if (s.items === undefined) err(out, child(path, "items"), "Required value", "must be specified");
  }
  if (Array.isArray(s.items)) {
    err(out, child(path, "items"), "Forbidden", "items must be a schema object and not an array");
  }
  const listType = s["x-kubernetes-list-type"];
  if (listType !== undefined) {
    if (s.type !== "array") {
      err(
        out,
        child(path, "x-kubernetes-list-type"),
        "Invalid value",
        `${JSON.stringify(listType)}: must only be used if type is array`,
      );
    }
    if (!["atomic", "set", "map"].includes(listType)) {
      err(
        out,
        child(path, "x-kubernetes-list-type"),
        "Unsupported value",
        `${JSON.stringify(listType)}: supported values: "atomic", "map", "set"`,
      );
    }
  }
  const mapKeys = s["x-kubernetes-list-map-keys"];
  if (listType === "map") {
    if (!mapKeys || mapKeys.length === 0) {
      err(
        out,
        child(path, "x-kubernetes-list-map-keys"),
        "Required value",
        "must not be empty if x-kubernetes-list-type is map",
      );
    } else {
      const items = Array.isArray(s.items) ? undefined : s.items;
      if (items && items.type !== "object") {
        err(
          out,
          child(child(path, "items"), "type"),
          "Invalid value",
          `${JSON.stringify(items.type ?? "")}: must be object if parent array's x-kubernetes-list-type is map`,
        );
      }
      for (const k of mapKeys) {
        const ks = items?.properties?.[k];
        if (!ks) {
          err(
            out,
            child(path, "x-kubernetes-list-map-keys"),
            "Invalid value",
            `${JSON.stringify(k)}: entries must all be names of item properties`,
          );
        } else if (!(items?.required ?? []).includes(k) && ks.default === undefined) {
          err(
            out,
            `${child(child(path, "items"), "properties")}[${k}]`,
            "Invalid value",
            "must be required or have a default value if it is a list map key",
          );
        }
      }
    }
  } else if (mapKeys !== undefined) {
    err(
      out,
      child(path, "x-kubernetes-list-map-keys"),
      "Forbidden",
      "must not be set if x-kubernetes-list-type is not map",
    );
  }
  const mapType = s["x-kubernetes-map-type"];
  if (mapType !== undefined && !["atomic", "granular"].includes(mapType)) {
    err(
      out,
      child(path, "x-kubernetes-map-type"),
      "Unsupported value",
      `${JSON.stringify(mapType)}: supported values: "atomic", "granular"`,
    );
  }
  if (s.pattern !== undefined) {
    try {
      new RegExp(s.pattern, "u");
    } catch {
      try {
        new RegExp(s.pattern);
      } catch (e) {
        err(
          out,
          child(path, "pattern"),
          "Invalid value",
          `${JSON.stringify(s.pattern)}: must be a valid regular expression, but isn't: ${(e as Error).message}`,
        );
      }
    }
  }
  if (s.default !== undefined) {
    if (level === "root") err(out, child(path, "default"), "Forbidden", "must not be set at the root");
    const { default: value, ...withoutDefault } = s;
    for (const c of validateStructural(withoutDefault, value, child(path, "default"))) {
      out.errs.push(`${c.field}: ${c.message}`);
    }
  }

  if (level === "root" && s.properties?.metadata) {
    const m = s.properties.metadata;
    const extra = Object.keys(m).filter((k) => k !== "type" && k !== "properties" && k !== "description");
    const extraProps = Object.keys(m.properties ?? {}).filter((k) => k !== "name" && k !== "generateName");
    if ((m.type && m.type !== "object") || extra.length > 0 || extraProps.length > 0) {
      err(
        out,
        `${child(path, "properties")}[metadata]`,
        "Forbidden",
        "must not specify anything other than name and generateName, but metadata is implicitly specified",
      );
    }
  }

  for (const [k, list] of [
    ["allOf", s.allOf],
    ["anyOf", s.anyOf],
    ["oneOf", s.oneOf],
  ] as const) {
    list?.forEach((sub, i) => {
      collectJunctorProps(sub, `${child(path, k)}[${i}]`, s, out);
    });
  }
  if (s.not) collectJunctorProps(s.not, child(path, "not"), s, out);

  for (const [name, prop] of Object.entries(s.properties ?? {})) {
    if (level === "root" && name === "metadata") continue;
    checkNode(prop, `${child(path, "properties")}[${name}]`, "field", out);
  }
  if (typeof s.additionalProperties === "object") {
    checkNode(s.additionalProperties, child(path, "additionalProperties"), "field", out);
  }
  if (s.items !== undefined && !Array.isArray(s.items)) checkNode(s.items, child(path, "items"), "item", out);
}

/**
 * Checks that a CRD version's `openAPIV3Schema` is structural (the rules of apiextensions-apiserver): every node
 * specifies a `type` (except int-or-string, embedded resources and preserve-unknown-fields nodes), the root is an
 * object, `allOf/anyOf/oneOf/not` carry no `type`/`description`/`default`/`nullable`/`additionalProperties` and only
 * properties also declared outside, `properties` and `additionalProperties` are exclusive, arrays have `items`, no
 * `$ref`/`definitions`/`uniqueItems: true`, list-type/map-keys are consistent, defaults validate. Returns one line per
 * problem, prefixed with `basePath` (default `spec.versions[0].schema.openAPIV3Schema`); empty when structural.
 */
export function checkStructuralSchema(
  schema: JSONSchemaProps,
  basePath = "spec.versions[0].schema.openAPIV3Schema",
): string[] {
  const out: Out = { errs: [] };
  checkNode(schema, basePath, "root", out);
  return out.errs;
}
