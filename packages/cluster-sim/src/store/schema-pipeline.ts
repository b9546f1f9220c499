/** The CRD write pipeline of the real server: prune unknown fields, default, validate the schema and the CEL rules. */
import type { ResourceDefinition } from "../builtin/types.ts";
import { badRequest, type FieldCause } from "../errors/index.ts";
import {
  applySchemaDefaults,
  evaluateCelValidations,
  type JSONSchemaProps,
  pruneUnknownFields,
  strictUnknownFieldsMessage,
  unknownFieldWarning,
  validateStructural,
} from "../semantics/index.ts";
import type { KubeObject } from "./api.ts";
import type { FieldValidation } from "./backend.ts";

/** What the pipeline found: warnings for `Warning:` headers and field errors for a 422. */
export interface PipelineResult {
  warnings: string[];
  causes: FieldCause[];
}

/** Copies `source` into `target` in place (keeping the identity of `target.metadata`). */
function replaceContents(target: KubeObject, source: KubeObject): void {
  const meta = target.metadata;
  for (const k of Object.keys(target)) if (!(k in source)) delete target[k];
  Object.assign(target, source);
  if (meta !== source.metadata && typeof source.metadata === "object" && source.metadata !== null) {
    for (const k of Object.keys(meta)) if (!(k in source.metadata)) delete meta[k];
    Object.assign(meta, source.metadata);
    target.metadata = meta;
  }
}

/**
 * Runs the CRD pipeline over `obj` in place. With `fieldValidation=Strict`, unknown fields throw the real server's
 * 400 (`strict decoding error: unknown field "spec.foo"`); with `Warn` they become warnings; `Ignore` drops them.
 */
export function prepareCustomResource(
  def: ResourceDefinition,
  obj: KubeObject,
  old: KubeObject | undefined,
  fieldValidation: FieldValidation,
): PipelineResult {
  const schema = def.schema as JSONSchemaProps;
  const warnings: string[] = [];
  const pruned = pruneUnknownFields(schema, obj);
  if (pruned.prunedPaths.length > 0) {
    if (fieldValidation === "Strict")
      throw badRequest(strictUnknownFieldsMessage(def.kind, def.version, pruned.prunedPaths));
    if (fieldValidation === "Warn") warnings.push(...pruned.prunedPaths.map(unknownFieldWarning));
  }
  const defaulted = applySchemaDefaults(schema, pruned.object);
  replaceContents(obj, defaulted);
  const causes = validateStructural(schema, obj);
  if (causes.length === 0) causes.push(...evaluateCelValidations(schema, obj, old));
  return { warnings, causes };
}
