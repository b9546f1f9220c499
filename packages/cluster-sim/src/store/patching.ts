/** Applies a PATCH body of one of the four patch types to the live object, with the real server's errors. */
import type { ResourceDefinition } from "../builtin/types.ts";
import { badRequest, invalid, unsupportedMediaType } from "../errors/index.ts";
import { applyJsonPatch, applyMergePatch, applyServerSide, applyStrategicMergePatch } from "../semantics/index.ts";
import type { KubeObject, PatchType } from "./api.ts";
import { isObject } from "./json.ts";
import { managedFieldsOptions } from "./managed-fields.ts";

/** The inputs of a patch. */
export interface PatchContext {
  def: ResourceDefinition;
  type: PatchType;
  patch: unknown;
  fieldManager: string | undefined;
  force: boolean;
  subresource: "status" | "scale" | undefined;
}

/** The patched object (and the managedFields when server-side apply computed them). */
export interface PatchOutcome {
  object: KubeObject;
  managedFields?: unknown[];
  warnings: string[];
}

/** Media types accepted for PATCH on a kind. */
export function acceptedPatchTypes(def: ResourceDefinition): string[] {
  const types = ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"];
  if (def.builtin) types.push("application/strategic-merge-patch+json");
  return types;
}

/** Applies the patch; `current` is undefined when an apply patch creates the object. */
export function applyPatch(ctx: PatchContext, current: KubeObject | undefined): PatchOutcome {
  const { def, patch } = ctx;
  const live = current ?? ({ apiVersion: "", kind: def.kind, metadata: {} } as KubeObject);
  switch (ctx.type) {
    case "json": {
      if (!Array.isArray(patch))
        throw badRequest("json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp");
      return { object: applyJsonPatch(live, patch) as KubeObject, warnings: [] };
    }
    case "merge": {
      if (!isObject(patch))
        throw badRequest("json: cannot unmarshal non-object into Go value of type map[string]interface {}");
      return { object: applyMergePatch(live, patch) as KubeObject, warnings: [] };
    }
    case "strategic": {
      if (!def.builtin) throw unsupportedMediaType("application/strategic-merge-patch+json", acceptedPatchTypes(def));
      if (!isObject(patch))
        throw badRequest("json: cannot unmarshal non-object into Go value of type map[string]interface {}");
      return {
        object: applyStrategicMergePatch(
          { group: def.group, version: def.version, kind: def.kind },
          live,
          patch,
        ) as KubeObject,
        warnings: [],
      };
    }
    case "apply": {
      if (!ctx.fieldManager)
        throw invalid("meta.k8s.io", "PatchOptions", "", [
          {
            field: "fieldManager",
            reason: "FieldValueRequired",
            message: "Required value: is required for apply patch",
          },
        ]);
      if (!isObject(patch)) throw badRequest("error decoding YAML: the apply patch must be an object");
      const result = applyServerSide({
        live: current,
        applied: patch,
        manager: ctx.fieldManager,
        force: ctx.force,
        managedFields: current?.metadata.managedFields ?? [],
        subresource: ctx.subresource,
        ...managedFieldsOptions(def, ctx.subresource),
      });
      if ("conflicts" in result) throw result.error;
      return { object: result.object as KubeObject, managedFields: result.managedFields, warnings: [] };
    }
    default:
      throw unsupportedMediaType(String(ctx.type), acceptedPatchTypes(def));
  }
}
