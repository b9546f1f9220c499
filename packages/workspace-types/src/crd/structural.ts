/**
 * The post-pass that turns `z.toJSONSchema(…, {target: "openapi-3.0", io: "input"})` output into a structural
 * OpenAPI v3 schema the API server accepts, and a checker for the structural rules.
 *
 * Rules enforced (apiextensions-apiserver): no `$ref`/`definitions`/`$defs`/`$schema`/`const`; no
 * `additionalProperties` beside `properties`; every node has a `type` unless it preserves unknown fields or is
 * int-or-string; junctors (`oneOf`/`anyOf`/`allOf`/`not`) carry no type, description, default, nullable or
 * additionalProperties; the root's metadata is only `type: object`; apiVersion/kind only `type: string`.
 */
import { WorkspaceTypesError } from "../errors.ts";
import type { JSONSchemaProps } from "./types.ts";

const SAFE_INT = 9007199254740991;
const FORBIDDEN_KEYS = ["$ref", "definitions", "$defs", "$schema", "const", "$id", "id"] as const;
const JUNCTORS = ["oneOf", "anyOf", "allOf"] as const;
const FORBIDDEN_IN_JUNCTOR = [
  "type",
  "description",
  "default",
  "nullable",
  "additionalProperties",
  "x-kubernetes-preserve-unknown-fields",
];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function clean(node: unknown): JSONSchemaProps {
  if (!isObject(node)) return {};
  const out: JSONSchemaProps = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "$schema") continue;
    if (key === "properties" && isObject(value)) {
      const props: Record<string, JSONSchemaProps> = {};
      for (const [k, v] of Object.entries(value)) props[k] = clean(v);
      out.properties = props;
    } else if (key === "items" && isObject(value)) out.items = clean(value);
    else if (key === "additionalProperties" && isObject(value)) out.additionalProperties = clean(value);
    else if ((key === "oneOf" || key === "anyOf" || key === "allOf") && Array.isArray(value))
      out[key] = value.map(clean);
    else if (key === "not" && isObject(value)) out.not = clean(value);
    else out[key] = structuredClone(value);
  }
  if (out["x-kubernetes-int-or-string"] === true) {
    // the one shape the API server allows for int-or-string (types inside anyOf are permitted only here)
    const doc = typeof out.description === "string" ? { description: out.description } : {};
    return { ...doc, anyOf: [{ type: "integer" }, { type: "string" }], "x-kubernetes-int-or-string": true };
  }
  if (out.minimum === -SAFE_INT) delete out.minimum;
  if (out.maximum === SAFE_INT) delete out.maximum;
  if (out["x-kubernetes-preserve-unknown-fields"] === true) {
    // schemaless: keep only the type, the marker and docs
    if (isObject(out.additionalProperties) && Object.keys(out.additionalProperties).length === 0)
      delete out.additionalProperties;
  }
  if (out.properties !== undefined && out.additionalProperties !== undefined) {
    // zod's loose/strict objects: a CRD closes objects by pruning instead
    delete out.additionalProperties;
  }
  if (out.additionalProperties === false) delete out.additionalProperties;
  if (Array.isArray(out.required) && out.required.length === 0) delete out.required;
  return out;
}

/**
 * Make a zod-generated JSON schema structural. The root is treated as a Kubernetes object: `apiVersion`/`kind`
 * become plain strings and `metadata` a bare `type: object` (the API server validates ObjectMeta itself).
 * Throws `WorkspaceTypesError("CRD_NOT_STRUCTURAL")` if anything forbidden remains.
 */
export function toStructuralSchema(jsonSchema: unknown, opts: { root?: boolean } = {}): JSONSchemaProps {
  const out = clean(jsonSchema);
  if (opts.root !== false && out.properties) {
    const p = out.properties;
    if (p.apiVersion)
      p.apiVersion = {
        type: "string",
        description: "APIVersion defines the versioned schema of this representation of an object.",
      };
    if (p.kind)
      p.kind = {
        type: "string",
        description: "Kind is a string value representing the REST resource this object represents.",
      };
    if (p.metadata) p.metadata = { type: "object" };
    if (Array.isArray(out.required)) {
      out.required = out.required.filter((k) => k !== "apiVersion" && k !== "kind" && k !== "metadata");
      if (out.required.length === 0) delete out.required;
    }
  }
  const problems = findStructuralProblems(out);
  if (problems.length > 0) {
    throw new WorkspaceTypesError(
      "CRD_NOT_STRUCTURAL",
      `generated CRD schema is not structural: ${problems.join("; ")}`,
      {
        issues: problems,
      },
    );
  }
  return out;
}

/**
 * Walk a CRD schema and list every structural-schema violation as `path: problem` (empty when structural).
 * @example findStructuralProblems({ type: "object", properties: {}, additionalProperties: false }) // ["<root>: additionalProperties beside properties"]
 */
export function findStructuralProblems(schema: unknown): string[] {
  const problems: string[] = [];
  const visit = (node: unknown, path: string, inJunctor: boolean, intOrStringBranch = false): void => {
    const where = path === "" ? "<root>" : path;
    if (!isObject(node)) {
      problems.push(`${where}: schema node is not an object`);
      return;
    }
    for (const key of FORBIDDEN_KEYS) if (key in node) problems.push(`${where}: forbidden key ${key}`);
    if (inJunctor) {
      if (intOrStringBranch) return;
      for (const key of FORBIDDEN_IN_JUNCTOR) if (key in node) problems.push(`${where}: ${key} inside a junctor`);
    } else {
      const preserve = node["x-kubernetes-preserve-unknown-fields"] === true;
      const intOrString = node["x-kubernetes-int-or-string"] === true;
      if (typeof node.type !== "string" && !preserve && !intOrString) problems.push(`${where}: missing type`);
      if (node.type === "object" && node.properties !== undefined && node.additionalProperties !== undefined) {
        problems.push(`${where}: additionalProperties beside properties`);
      }
      if (node.additionalProperties === false) problems.push(`${where}: additionalProperties: false`);
      if (node.type === "array" && node.items === undefined) problems.push(`${where}: array without items`);
    }
    if (isObject(node.properties)) {
      for (const [k, v] of Object.entries(node.properties)) visit(v, `${path}.${k}`, inJunctor);
    }
    if (node.items !== undefined) visit(node.items, `${path}[]`, inJunctor);
    if (isObject(node.additionalProperties)) visit(node.additionalProperties, `${path}{}`, inJunctor);
    for (const j of JUNCTORS) {
      const branches = node[j];
      if (branches === undefined) continue;
      if (!Array.isArray(branches)) problems.push(`${where}: ${j} is not a list`);
      else {
        const intOrString =
          node["x-kubernetes-int-or-string"] === true &&
          j === "anyOf" &&
          branches.length === 2 &&
          branches.every((b) => isObject(b) && Object.keys(b).length === 1) &&
          (branches[0] as Record<string, unknown>).type === "integer" &&
          (branches[1] as Record<string, unknown>).type === "string";
        branches.forEach((b, i) => {
          visit(b, `${path}.${j}[${i}]`, true, intOrString);
        });
      }
    }
    if (node.not !== undefined) visit(node.not, `${path}.not`, true);
  };
  visit(schema, "", false);
  return problems;
}
