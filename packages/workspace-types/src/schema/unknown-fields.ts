/**
 * Unknown-field detection, like the API server's field validation (`kubectl apply --validate=warn`): every key a
 * typed object does not know is reported; schemaless subtrees (template, volumeSource) are not looked into.
 */
import type * as z from "zod";
import { type FieldPath, formatFieldPath } from "./paths.ts";
import { type ShapeNode, shapeOf } from "./shape.ts";
import { WorkspaceV1alpha1Schema, WorkspaceV1beta1Schema } from "./workspace.ts";

/** The path to the current node as a parent-linked list: nothing is allocated unless a field is unknown. */
interface PathLink {
  readonly seg: string | number;
  readonly parent: PathLink | undefined;
}

function materialize(link: PathLink | undefined, last: string): FieldPath {
  const out: (string | number)[] = [last];
  for (let l = link; l !== undefined; l = l.parent) out.push(l.seg);
  return out.reverse();
}

function walk(value: unknown, node: ShapeNode, path: PathLink | undefined, out: FieldPath[]): void {
  if (typeof value !== "object" || value === null) return;
  switch (node.kind) {
    case "object": {
      if (Array.isArray(value)) return;
      const obj = value as Record<string, unknown>;
      for (const key in obj) {
        const child = node.fields.get(key);
        if (child === undefined) {
          if (node.reportUnknown) out.push(materialize(path, key));
        } else if (child.hasObjects) {
          const v = obj[key];
          if (typeof v === "object" && v !== null) walk(v, child, { seg: key, parent: path }, out);
        }
      }
      return;
    }
    case "array": {
      if (!Array.isArray(value)) return;
      for (let i = 0; i < value.length; i++) {
        const v: unknown = value[i];
        if (typeof v === "object" && v !== null) walk(v, node.element, { seg: i, parent: path }, out);
      }
      return;
    }
    case "map": {
      if (Array.isArray(value)) return;
      const obj = value as Record<string, unknown>;
      for (const key in obj) {
        const v = obj[key];
        if (typeof v === "object" && v !== null) walk(v, node.value, { seg: key, parent: path }, out);
      }
      return;
    }
    default:
      return;
  }
}

/** Paths (as segments) of the keys of `obj` that `schema` does not know. */
export function findUnknownFieldPathsIn(schema: z.ZodType, obj: unknown): FieldPath[] {
  const out: FieldPath[] = [];
  walk(obj, shapeOf(schema), undefined, out);
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
