/** The CRD write pipeline of the real server: prune unknown fields, default, validate the schema and the CEL rules. */
import type { ResourceDefinition, ScaleSubresource } from "../builtin/types.ts";
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
import { isObject } from "./json.ts";
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
  subresource?: string,
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
  if (def.scale !== undefined) causes.push(...scaleReplicasCauses(def.scale, obj, subresource));
  if (hasCelRules(schema)) {
    // as the real strategy: CEL rules run unless an error makes the object's shape unreliable for them
    if (causes.some((c) => BLOCKING_REASONS.has(c.reason ?? ""))) causes.push(CEL_SKIPPED_CAUSE);
    else causes.push(...evaluateCelValidations(schema, obj, old));
  }
  return { warnings, causes };
}

/**
 * The cause types after which the real server does not run a CRD's CEL rules (`hasBlockingErr` of the custom
 * resource strategy): an enum miss, a missing required field, a string or list over its limit, a wrong type.
 */
export const BLOCKING_REASONS: ReadonlySet<string> = new Set([
  "FieldValueNotSupported",
  "FieldValueRequired",
  "FieldValueTooLong",
  "FieldValueTooMany",
  "FieldValueTypeInvalid",
]);

/** The last cause when blocking schema errors kept the CEL rules from running (a `field.Invalid(nil, nil, …)`). */
export const CEL_SKIPPED_CAUSE: FieldCause = {
  reason: "FieldValueInvalid",
  message:
    "Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation",
  field: "<nil>",
};

const celRulesOf = new WeakMap<object, boolean>();

/** Whether a structural schema node or one below it has an `x-kubernetes-validations` rule. */
function schemaHasRules(node: unknown): boolean {
  if (!isObject(node)) return false;
  const rules = node["x-kubernetes-validations"];
  if (Array.isArray(rules) && rules.length > 0) return true;
  const props = isObject(node.properties) ? Object.values(node.properties) : [];
  return [...props, node.items, node.additionalProperties].some(schemaHasRules);
}

/** Whether the schema has a CEL rule anywhere (the real server builds no CEL validator otherwise), cached per schema. */
function hasCelRules(schema: JSONSchemaProps): boolean {
  let has = celRulesOf.get(schema);
  if (has === undefined) {
    has = schemaHasRules(schema);
    celRulesOf.set(schema, has);
  }
  return has;
}

/**
 * The checks of a CRD's `scale` subresource on the replica counts (the real validator's `ValidateScaleSpec` and
 * `ValidateScaleStatus`): an integer at `specReplicasPath` (not on a status write) and at `statusReplicasPath` must
 * not be negative; the field is the path as the CRD writes it (`.spec.replicas`).
 */
export function scaleReplicasCauses(
  scale: ScaleSubresource,
  obj: KubeObject,
  subresource: string | undefined,
): FieldCause[] {
  const paths =
    subresource === "status" ? [scale.statusReplicasPath] : [scale.specReplicasPath, scale.statusReplicasPath];
  const causes: FieldCause[] = [];
  for (const path of paths) {
    let value: unknown = obj;
    for (const key of path.split(".").slice(1)) value = isObject(value) ? value[key] : undefined;
    if (typeof value === "number" && Number.isInteger(value) && value < 0)
      causes.push({
        reason: "FieldValueInvalid",
        message: `Invalid value: ${value}: should be a non-negative integer`,
        field: path,
      });
  }
  return causes;
}
