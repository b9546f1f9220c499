/**
 * Unknown-field detection, like the API server's field validation (`kubectl apply --validate=warn`): every key a
 * typed object does not know is reported; schemaless subtrees (template, volumeSource) are not looked into.
 */
import type * as z from "zod";
import { type FieldPath, formatFieldPath } from "./paths.ts";
import { type ShapeNode, shapeOf } from "./shape.ts";
import { WorkspaceV1alpha1Schema, WorkspaceV1beta1Schema } from "./workspace.ts";

/**
 * The path to the current node as a stack of segments, shared by the whole walk: nothing is allocated unless a
 * field is unknown.
 */
type PathStack = (string | number)[];

function materialize(path: PathStack, last: string): FieldPath {
  const out = path.slice();
  out.push(last);
  return out;
}

/**
 * Collect the unknown keys below `value` into `out`; returns whether a typed object holds a `null` for a field that
 * is not nullable (the API server prunes those before defaulting, see `applySchemaDefaults`).
 */
function walk(value: unknown, node: ShapeNode, path: PathStack, out: FieldPath[]): boolean {
  if (typeof value !== "object" || value === null) return false;
  let prunableNull = false;
  switch (node.kind) {
    case "object": {
      if (Array.isArray(value)) return false;
      const obj = value as Record<string, unknown>;
      for (const key in obj) {
        const child = node.fields.get(key);
        if (child === undefined) {
          if (node.reportUnknown) out.push(materialize(path, key));
          continue;
        }
        const v = obj[key];
        if (v === null) {
          if (!child.nullable) prunableNull = true;
        } else if (child.hasObjects && typeof v === "object") {
          path.push(key);
          if (walk(v, child, path, out)) prunableNull = true;
          path.pop();
        }
      }
      return prunableNull;
    }
    case "array": {
      if (!Array.isArray(value)) return false;
      for (let i = 0; i < value.length; i++) {
        const v: unknown = value[i];
        if (typeof v !== "object" || v === null) continue;
        path.push(i);
        if (walk(v, node.element, path, out)) prunableNull = true;
        path.pop();
      }
      return prunableNull;
    }
    case "map": {
      if (Array.isArray(value)) return false;
      const obj = value as Record<string, unknown>;
      for (const key in obj) {
        const v = obj[key];
        if (typeof v !== "object" || v === null) continue;
        path.push(key);
        if (walk(v, node.value, path, out)) prunableNull = true;
        path.pop();
      }
      return prunableNull;
    }
    default:
      return false;
  }
}

/** Paths (as segments) of the keys of `obj` that `schema` does not know. */
export function findUnknownFieldPathsIn(schema: z.ZodType, obj: unknown): FieldPath[] {
  const out: FieldPath[] = [];
  walk(obj, shapeOf(schema), [], out);
  return out;
}

function schemaForObject(obj: unknown): z.ZodType {
  const v = typeof obj === "object" && obj !== null ? (obj as Record<string, unknown>).apiVersion : undefined;
  return v === "kaito.sh/v1alpha1" ? WorkspaceV1alpha1Schema : WorkspaceV1beta1Schema;
}

/**
 * Paths (as segments) of the unknown keys of a Workspace, judged against the schema of its `apiVersion`
 * (v1beta1 when absent or unknown). Use with `positionOf` to point at them in the source text.
 */
export function findUnknownFieldPaths(obj: unknown): FieldPath[] {
  return findUnknownFieldPathsIn(schemaForObject(obj), obj);
}

/** What one walk over a Workspace found; see {@link scanWorkspace}. */
export interface WorkspaceScan {
  /** Paths (as segments) of the unknown keys, as {@link findUnknownFieldPaths} returns them. */
  readonly unknownFields: FieldPath[];
  /**
   * A typed object holds `null` for a field that is not nullable. The API server prunes such nulls before it
   * applies defaults; when there are none, parsing the object as written gives the same result as parsing it
   * after `applyWorkspaceDefaults` (the schema's own defaults fill the absent fields).
   */
  readonly hasPrunableNulls: boolean;
}

/**
 * One walk over a Workspace (judged against the schema of its `apiVersion`, v1beta1 when absent or unknown) that
 * finds its unknown fields and whether it needs null pruning before the structural parse.
 * @internal
 */
export function scanWorkspace(obj: unknown): WorkspaceScan {
  const unknownFields: FieldPath[] = [];
  const hasPrunableNulls = walk(obj, shapeOf(schemaForObject(obj)), [], unknownFields);
  return { unknownFields, hasPrunableNulls };
}

/**
 * The unknown fields of a Workspace as Kaito-style paths, e.g. `spec.resource.instancetype` or `spec` (a
 * `spec:` wrapper, which Workspace does not have). The API server drops such fields and warns
 * `unknown field "<path>"`.
 * @example findUnknownFields({ apiVersion: "kaito.sh/v1beta1", kind: "Workspace", metadata: {}, resource: { foo: 1 } })
 *   // ["spec.resource.foo"]
 */
export function findUnknownFields(obj: unknown): string[] {
  return findUnknownFieldPaths(obj).map(formatFieldPath);
}

/**
 * The API server's warning text for one unknown field.
 * @example unknownFieldWarning("spec.foo") // 'unknown field "spec.foo"'
 */
export function unknownFieldWarning(path: string): string {
  return `unknown field "${path}"`;
}
