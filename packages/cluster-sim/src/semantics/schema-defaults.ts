/**
 * Defaulting and pruning of custom resources by their structural schema, as apiextensions-apiserver does on decode:
 * unknown fields are dropped (and reported, for the `Warning: unknown field "spec.foo"` headers and strict field
 * validation), non-nullable `null`s are defaulted or dropped, and `default`s fill absent fields recursively.
 */
import { childPath, indexPath } from "./field-errors.ts";
import {
  additionalPropertiesSchema,
  cloneJson,
  isPlainObject,
  itemsSchema,
  type JSONSchemaProps,
} from "./schema-types.ts";

function isNonNullableNullWithDefault(v: unknown, s: JSONSchemaProps | undefined): boolean {
  return v === null && s !== undefined && !s.nullable && s.default !== undefined;
}

function isNonNullableNullWithoutDefault(v: unknown, s: JSONSchemaProps | undefined): boolean {
  return v === null && s !== undefined && !s.nullable && s.default === undefined;
}

function defaultInPlace(x: unknown, s: JSONSchemaProps | undefined): void {
  if (s === undefined) return;
  if (isPlainObject(x)) {
    const props = s.properties ?? {};
    for (const [k, prop] of Object.entries(props)) {
      if (prop.default === undefined) continue;
      if (!Object.hasOwn(x, k) || isNonNullableNullWithDefault(x[k], prop)) x[k] = cloneJson(prop.default);
    }
    const ap = additionalPropertiesSchema(s);
    for (const k of Object.keys(x)) {
      const prop = props[k];
      if (prop) {
        if (isNonNullableNullWithoutDefault(x[k], prop)) {
          delete x[k];
          continue;
        }
        defaultInPlace(x[k], prop);
      } else if (ap) {
        if (isNonNullableNullWithDefault(x[k], ap)) x[k] = cloneJson(ap.default);
        else if (isNonNullableNullWithoutDefault(x[k], ap)) {
          delete x[k];
          continue;
        }
        defaultInPlace(x[k], ap);
      }
    }
  } else if (Array.isArray(x)) {
    const items = itemsSchema(s);
    if (!items) return;
    for (let i = 0; i < x.length; i++) {
      if (isNonNullableNullWithDefault(x[i], items)) x[i] = cloneJson(items.default);
      defaultInPlace(x[i], items);
    }
  }
}

/**
 * Returns a copy of `obj` with the schema's `default`s applied to absent fields (and to `null` in non-nullable
 * fields), recursively through properties, additionalProperties and items, parents before children (so a defaulted
 * object gets its own children's defaults). Non-nullable `null`s without a default are removed, as the real server
 * does before defaulting.
 */
export function applySchemaDefaults<T>(schema: JSONSchemaProps, obj: T): T {
  const copy = cloneJson(obj);
  defaultInPlace(copy, schema);
  return copy;
}

/** The `metadata` fields the real server keeps on a custom resource (ObjectMeta's JSON fields). */
export const OBJECT_META_FIELDS: ReadonlySet<string> = new Set([
  "name",
  "generateName",
  "namespace",
  "selfLink",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
  "managedFields",
]);

interface PruneCtx {
  pruned: string[];
}

function pruneResourceMeta(x: Record<string, unknown>, path: string, ctx: PruneCtx): void {
  const meta = x.metadata;
  if (!isPlainObject(meta)) return;
  for (const k of Object.keys(meta)) {
    if (!OBJECT_META_FIELDS.has(k)) {
      delete meta[k];
      ctx.pruned.push(childPath(childPath(path, "metadata"), k));
    }
  }
}

function pruneInPlace(
  x: unknown,
  s: JSONSchemaProps | undefined,
  path: string,
  isResourceRoot: boolean,
  ctx: PruneCtx,
): void {
  if (isPlainObject(x)) {
    if (s === undefined) {
      return;
    }
    const preserve = s["x-kubernetes-preserve-unknown-fields"] === true;
    const props = s.properties ?? {};
    const ap = additionalPropertiesSchema(s);
    const apAllows = s.additionalProperties === true;
    if (isResourceRoot) pruneResourceMeta(x, path, ctx);
    for (const k of Object.keys(x)) {
      if (isResourceRoot && (k === "apiVersion" || k === "kind" || k === "metadata")) continue;
      const prop = props[k];
      if (prop) {
        pruneInPlace(x[k], prop, childPath(path, k), prop["x-kubernetes-embedded-resource"] === true, ctx);
      } else if (ap) {
        pruneInPlace(x[k], ap, childPath(path, k), ap["x-kubernetes-embedded-resource"] === true, ctx);
      } else if (!preserve && !apAllows) {
        delete x[k];
        ctx.pruned.push(childPath(path, k));
      }
    }
  } else if (Array.isArray(x)) {
    const items = itemsSchema(s);
    if (!items) return;
    const embedded = items["x-kubernetes-embedded-resource"] === true;
    x.forEach((item, i) => {
      pruneInPlace(item, items, indexPath(path, i), embedded, ctx);
    });
  }
}

/** Result of {@link pruneUnknownFields}. */
export interface PruneResult<T> {
  /** A pruned copy of the input. */
  object: T;
  /** Paths of the dropped fields (`spec.foo`, `spec.list[0].bar`, `metadata.foo`), sorted. */
  prunedPaths: string[];
}

/**
 * Drops the fields the schema does not specify (unless `x-kubernetes-preserve-unknown-fields` is set on the
 * enclosing node), keeping `apiVersion`, `kind` and `metadata` at the resource root and at
 * `x-kubernetes-embedded-resource` nodes; unknown `metadata` fields are dropped too. The real server reports each
 * path as a `Warning: 299 - "unknown field \"spec.foo\""` header (see {@link unknownFieldWarning}), or, with
 * `fieldValidation=Strict`, as a 400 (see {@link strictUnknownFieldsMessage}).
 */
export function pruneUnknownFields<T>(
  schema: JSONSchemaProps,
  obj: T,
  options: { isResourceRoot?: boolean } = {},
): PruneResult<T> {
  const copy = cloneJson(obj);
  const ctx: PruneCtx = { pruned: [] };
  pruneInPlace(copy, schema, "", options.isResourceRoot ?? true, ctx);
  return { object: copy, prunedPaths: ctx.pruned.sort() };
}

/** The warning text for one pruned path: `unknown field "spec.foo"`. */
export function unknownFieldWarning(path: string): string {
  return `unknown field ${JSON.stringify(path)}`;
}

/**
 * The 400 BadRequest message of `fieldValidation=Strict` for unknown fields:
 * `Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.foo", unknown field "spec.bar"`.
 */
export function strictUnknownFieldsMessage(kind: string, version: string, prunedPaths: string[]): string {
  return `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: strict decoding error: ${prunedPaths
    .map(unknownFieldWarning)
    .join(", ")}`;
}
