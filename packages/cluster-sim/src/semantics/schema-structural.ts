/**
 * The "is this schema structural?" check apiextensions-apiserver runs when a CRD is created or updated. Each problem
 * is a line `<path>: <Reason>: <detail>` worded like the real server's `spec.versions[0].schema.openAPIV3Schema…`
 * errors, so a CRD registration can be refused with a 422 naming the offending node.
 */
import { validateStructural } from "./schema-validate.ts";
import { isPlainObject, type JSONSchemaProps } from "./schema-types.ts";

type Level = "root" | "field" | "item";

const ALLOWED_TYPES = new Set(["object", "array", "string", "integer", "number", "boolean"]);
/** Keywords a junctor (allOf/anyOf/oneOf/not) must not carry, with apiextensions' wording. */
const JUNCTOR_FORBIDDEN: [keyof JSONSchemaProps, string][] = [
  ["type", "must be empty to be structural"],
  ["additionalProperties", "must be undefined to be structural"],
  ["default", "must be undefined to be structural"],
  ["title", "must be empty to be structural"],
  ["description", "must be empty to be structural"],
  ["nullable", "must be false to be structural"],
  ["x-kubernetes-preserve-unknown-fields", "must be false to be structural"],
  ["x-kubernetes-embedded-resource", "must be false to be structural"],
  ["x-kubernetes-int-or-string", "must be false to be structural"],
  ["x-kubernetes-list-map-keys", "must be empty to be structural"],
  ["x-kubernetes-list-type", "must be undefined to be structural"],
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
  if (s.definitions !== undefined) err(out, child(path, "definitions"), "Forbidden", "definitions is not supported");
  if (s.dependencies !== undefined) err(out, child(path, "dependencies"), "Forbidden", "dependencies is not supported");
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
  if (s.type === "null") err(out, child(path, "type"), "Forbidden", "type cannot be set to null");
  if (s["x-kubernetes-preserve-unknown-fields"] === false) {
    err(out, child(path, "x-kubernetes-preserve-unknown-fields"), "Invalid value", "false: must be true or undefined");
  }
}

function checkJunctor(
  s: JSONSchemaProps,
  path: string,
  outer: JSONSchemaProps | undefined,
  outerPath: string,
  out: Out,
): void {
  for (const [key, detail] of JUNCTOR_FORBIDDEN) {
    const v = s[key];
    if (v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0))
      err(out, child(path, key), "Forbidden", detail);
  }
  for (const [name, sub] of Object.entries(s.properties ?? {})) {
    const subPath = `${child(path, "properties")}[${name}]`;
    const outerProp = outer?.properties?.[name];
    const outerPropPath = `${child(outerPath, "properties")}[${name}]`;
    if (name === "metadata") err(out, subPath, "Forbidden", "must not be specified in a nested context");
    if (!outerProp) err(out, outerPropPath, "Required value", `because it is defined in ${subPath}`);
    checkJunctor(sub, subPath, outerProp, outerPropPath, out);
  }
  if (s.items !== undefined && !Array.isArray(s.items)) {
    const outerItems = outer?.items !== undefined && !Array.isArray(outer.items) ? outer.items : undefined;
    if (!outerItems)
      err(out, child(outerPath, "items"), "Required value", `because it is defined in ${child(path, "items")}`);
    checkJunctor(s.items, child(path, "items"), outerItems, child(outerPath, "items"), out);
  }
  for (const [k, list] of [
    ["allOf", s.allOf],
    ["anyOf", s.anyOf],
    ["oneOf", s.oneOf],
  ] as const) {
    list?.forEach((sub, i) => {
      checkJunctor(sub, `${child(path, k)}[${i}]`, outer, outerPath, out);
    });
  }
  if (s.not) checkJunctor(s.not, child(path, "not"), outer, outerPath, out);
}

/** The two int-or-string junctor shapes apiextensions accepts (`anyOf: [{type: integer}, {type: string}]`, also first in `allOf`). */
function isIntOrStringJunctor(s: JSONSchemaProps, k: "allOf" | "anyOf" | "oneOf", i: number): boolean {
  const isPattern = (list: JSONSchemaProps[] | undefined): boolean =>
    list?.length === 2 &&
    list[0]?.type === "integer" &&
    list[1]?.type === "string" &&
    Object.keys(list[0] ?? {}).length === 1 &&
    Object.keys(list[1] ?? {}).length === 1;
  if (k === "anyOf") return isPattern(s.anyOf);
  if (k === "allOf" && i === 0) return isPattern(s.allOf?.[0]?.anyOf);
  return false;
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
  if (embedded && s.type !== "object") {
    if (!s.type)
      err(out, child(path, "type"), "Required value", "must be object if x-kubernetes-embedded-resource is true");
    else {
      err(
        out,
        child(path, "type"),
        "Invalid value",
        `${JSON.stringify(s.type)}: must be object if x-kubernetes-embedded-resource is true`,
      );
    }
  } else if (!s.type && !intOrString && !preserve) {
    const detail =
      level === "root"
        ? "must not be empty at the root"
        : level === "item"
          ? "must not be empty for specified array items"
          : "must not be empty for specified object fields";
    err(out, child(path, "type"), "Required value", detail);
  }
  if (level === "root" && s.type && s.type !== "object") {
    err(out, child(path, "type"), "Invalid value", `${JSON.stringify(s.type)}: must be object at the root`);
  }
  if (intOrString && preserve) {
    err(
      out,
      child(path, "x-kubernetes-preserve-unknown-fields"),
      "Invalid value",
      "true: must be false if x-kubernetes-int-or-string is true",
    );
  }
  if (intOrString && embedded) {
    err(
      out,
      child(path, "x-kubernetes-embedded-resource"),
      "Invalid value",
      "true: must be false if x-kubernetes-int-or-string is true",
    );
  }
  if (embedded && s.additionalProperties !== undefined) {
    err(
      out,
      child(path, "additionalProperties"),
      "Forbidden",
      "must not be used if x-kubernetes-embedded-resource is set",
    );
  }
  if (level === "root" && s.additionalProperties !== undefined) {
    err(out, child(path, "additionalProperties"), "Forbidden", "must not be used at the root");
  }
  if (level === "root" || embedded) {
    const props = s.properties ?? {};
    for (const k of ["kind", "apiVersion"] as const) {
      const p = props[k];
      if (p && p.type !== "string") {
        err(
          out,
          `${child(path, "properties")}[${k}].type`,
          "Invalid value",
          `${JSON.stringify(p.type ?? "")}: must be string`,
        );
      }
    }
    const m = props.metadata;
    if (m && m.type !== "object") {
      err(
        out,
        `${child(path, "properties")}[metadata].type`,
        "Invalid value",
        `${JSON.stringify(m.type ?? "")}: must be object`,
      );
    }
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
      err(out, child(path, "additionalProperties"), "Forbidden", "additionalProperties cannot be set to false");
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
    const extra = Object.keys(m).filter(
      (k) => k !== "type" && k !== "properties" && k !== "description" && k !== "default",
    );
    const extraProps = Object.keys(m.properties ?? {}).filter((k) => k !== "name" && k !== "generateName");
    if (extra.length > 0 || extraProps.length > 0) {
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
      if (!isIntOrStringJunctor(s, k, i)) checkJunctor(sub, `${child(path, k)}[${i}]`, s, path, out);
    });
  }
  if (s.not) checkJunctor(s.not, child(path, "not"), s, path, out);

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
  return [...new Set(out.errs)].sort();
}
