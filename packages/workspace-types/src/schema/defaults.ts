/**
 * CRD defaulting as the API server does it before validation: nulls of non-nullable fields are pruned, then
 * schema defaults fill absent fields whose parent object exists. Kaito has no mutating webhook; these are all the
 * defaults a Workspace gets (`resource.count: 1`, v1alpha1 `resource.instanceType: Standard_NC24ads_A100_v4`,
 * `preset.accessMode: public`).
 */
import type * as z from "zod";
import { type ShapeNode, shapeOf } from "./shape.ts";
import { WorkspaceV1alpha1Schema, WorkspaceV1beta1Schema } from "./workspace.ts";

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function cloneDefault(v: unknown): unknown {
  return typeof v === "object" && v !== null ? structuredClone(v) : v;
}

/**
 * Copy-on-write: returns `value` itself when nothing below it changes, a shallow-copied node otherwise, so the
 * common case (no nulls, defaults already present) allocates almost nothing.
 */
function applyNode(value: unknown, node: ShapeNode): unknown {
  switch (node.kind) {
    case "object": {
      if (!isPlainObject(value)) return value;
      let out: Record<string, unknown> | undefined;
      for (const key in value) {
        const child = node.fields.get(key);
        if (child === undefined) continue;
        const v = value[key];
        if (v === null && !child.nullable) {
          out ??= { ...value };
          delete out[key];
          continue;
        }
        if (v === null || typeof v !== "object" || !child.hasObjects) continue;
        const next = applyNode(v, child);
        if (next !== v) {
          out ??= { ...value };
          out[key] = next;
        }
      }
      for (const [key, child] of node.defaulted) {
        if ((out ?? value)[key] === undefined) {
          out ??= { ...value };
          out[key] = cloneDefault(child.defaultValue);
        }
      }
      return out ?? value;
    }
    case "array": {
      if (!Array.isArray(value) || !node.element.hasObjects) return value;
      let out: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const v: unknown = value[i];
        if (v === null || typeof v !== "object") continue;
        const next = applyNode(v, node.element);
        if (next !== v) {
          out ??= value.slice();
          out[i] = next;
        }
      }
      return out ?? value;
    }
    case "map": {
      if (!isPlainObject(value) || !node.value.hasObjects) return value;
      let out: Record<string, unknown> | undefined;
      for (const key in value) {
        const v = value[key];
        if (v === null || typeof v !== "object") continue;
        const next = applyNode(v, node.value);
        if (next !== v) {
          out ??= { ...value };
          out[key] = next;
        }
      }
      return out ?? value;
    }
    default:
      return value;
  }
}

/**
 * Apply CRD defaults to a schema's input, as the API server would before validation. Pure: the input is not
 * changed; the result is a new top-level object whose unchanged subtrees are shared with the input (copy on write).
 * Unknown keys stay in place.
 */
export function applySchemaDefaults(schema: z.ZodType, obj: unknown): unknown {
  const out = applyNode(obj, shapeOf(schema));
  return out === obj && isPlainObject(obj) ? { ...obj } : out;
}

/**
 * Apply the Workspace CRD defaults of the object's `apiVersion` (`kaito.sh/v1alpha1` or `kaito.sh/v1beta1`;
 * anything else is treated as v1beta1, the storage version). Pure: returns a new top-level object and never
 * changes the input, but shares the subtrees that need no default with it — clone before mutating deeply.
 * A non-object is returned unchanged.
 * @example applyWorkspaceDefaults({ apiVersion: "kaito.sh/v1alpha1", kind: "Workspace", resource: { labelSelector: {} } })
 *   // resource.count === 1, resource.instanceType === "Standard_NC24ads_A100_v4"
 */
export function applyWorkspaceDefaults<T>(obj: T): T {
  if (!isPlainObject(obj)) return obj;
  const schema = obj.apiVersion === "kaito.sh/v1alpha1" ? WorkspaceV1alpha1Schema : WorkspaceV1beta1Schema;
  return applySchemaDefaults(schema, obj) as T;
}
