/**
 * Validation and preparation of an object before it is stored, as the real server's strategies do it: the CRD
 * schema pipeline (prune, default, structural validation, CEL) for custom resources; unknown-field handling,
 * defaulting and validation for built-in kinds (and the CRD checks for CRD objects); finalizer names for all.
 */
import type { ResourceDefinition } from "../../builtin/types.ts";
import { unknownBuiltinFields, validateBuiltin } from "../../builtin/defaults.ts";
import { badRequest, type FieldCause, invalid } from "../../errors/index.ts";
import { strictUnknownFieldsMessage, unknownFieldWarning } from "../../semantics/index.ts";
import type { KubeObject } from "../api.ts";
import type { StoreWriteOptions } from "../backend.ts";
import { validateCrd } from "../crd.ts";
import { apiVersionOf, type ObjectTable } from "../objects.ts";
import { prepareCustomResource } from "../schema-pipeline.ts";

/** True for the CustomResourceDefinition kind. */
export function isCrdKind(def: ResourceDefinition): boolean {
  return def.group === "apiextensions.k8s.io" && def.resource === "customresourcedefinitions";
}

/**
 * Prepares `obj` in place (pruning, defaulting, dropping unknown built-in fields), collects `Warning:` texts in
 * `warnings`, and throws 422 Invalid with every field error (or 400 for unknown fields under `fieldValidation=Strict`).
 */
export function validateAndPrepare(
  def: ResourceDefinition,
  obj: KubeObject,
  old: KubeObject | undefined,
  opts: StoreWriteOptions,
  warnings: string[],
): void {
  const name = obj.metadata.name ?? "";
  let causes: FieldCause[] = [];
  if (def.structural && def.schema) {
    const r = prepareCustomResource(def, obj, old, opts.fieldValidation ?? "Warn", opts.subresource);
    warnings.push(...r.warnings);
    causes = r.causes;
  } else if (def.builtin) {
    const unknown = unknownBuiltinFields(def.kind, def.group, obj);
    if (unknown.length > 0) {
      const mode = opts.fieldValidation ?? "Warn";
      if (mode === "Strict") throw badRequest(strictUnknownFieldsMessage(def.kind, def.version, unknown));
      if (mode === "Warn") warnings.push(...unknown.map(unknownFieldWarning));
      for (const path of unknown) {
        if (path.startsWith("metadata.")) delete obj.metadata[path.slice(9)];
        else delete obj[path];
      }
    }
    causes = validateBuiltin(def.kind, def.group, obj);
    if (isCrdKind(def)) causes.push(...validateCrd(obj));
  }
  const finalizers = obj.metadata.finalizers;
  if (Array.isArray(finalizers)) {
    finalizers.forEach((f, i) => {
      if (typeof f !== "string" || f === "")
        causes.push({
          field: `metadata.finalizers[${i}]`,
          reason: "FieldValueInvalid",
          message: `Invalid value: ${JSON.stringify(f)}: name part must be non-empty`,
        });
    });
  }
  if (causes.length > 0) throw invalid(def.group, def.kind, name, causes);
}

/** Rewrites apiVersion to the storage version (no conversion webhook: fields are kept as they are). */
export function toStorage(table: ObjectTable, def: ResourceDefinition, obj: KubeObject): KubeObject {
  obj.apiVersion = apiVersionOf(table.storageDefinition(def));
  return obj;
}
