/**
 * A plain, precomputed view of a zod object schema: which keys each object knows, where defaults sit, which
 * nodes are schemaless. Built once per schema and cached; the defaulting and unknown-field walkers use it
 * instead of introspecting zod on every call.
 */
import * as z from "zod";
import { PRESERVE_UNKNOWN_FIELDS } from "./common.ts";

/** What every node knows about itself. */
interface ShapeCommon {
  readonly nullable: boolean;
  readonly hasDefault: boolean;
  readonly defaultValue: unknown;
  /**
   * The subtree contains a typed object (so it may hold unknown keys, nulls to prune or defaults to fill); walkers
   * skip subtrees without one, such as `matchLabels` or a list of strings.
   */
  readonly hasObjects: boolean;
}

/** One node of a {@link ShapeNode} tree. */
export type ShapeNode =
  | (ShapeCommon & {
      readonly kind: "object";
      readonly fields: ReadonlyMap<string, ShapeNode>;
      /** The fields that carry a default, in declaration order (usually none). */
      readonly defaulted: readonly (readonly [string, ShapeNode])[];
      /** Unknown keys are reported (false for schemaless and loose-but-quiet objects). */
      readonly reportUnknown: boolean;
    })
  | (ShapeCommon & { readonly kind: "array"; readonly element: ShapeNode })
  | (ShapeCommon & { readonly kind: "map"; readonly value: ShapeNode })
  | (ShapeCommon & { readonly kind: "schemaless" })
  | (ShapeCommon & { readonly kind: "leaf" });

const cache = new WeakMap<z.ZodType, ShapeNode>();

function hasPreserveMeta(schema: z.ZodType): boolean {
  const meta = z.globalRegistry.get(schema);
  return meta !== undefined && (meta as Record<string, unknown>)[PRESERVE_UNKNOWN_FIELDS] === true;
}

/** Build (or fetch from cache) the shape tree of a zod schema. */
export function shapeOf(schema: z.ZodType): ShapeNode {
  const cached = cache.get(schema);
  if (cached) return cached;
  const node = build(schema);
  cache.set(schema, node);
  return node;
}

function build(schema: z.ZodType): ShapeNode {
  let s: z.ZodType = schema;
  let nullable = false;
  let hasDefault = false;
  let defaultValue: unknown;
  let preserve = hasPreserveMeta(s);
  for (;;) {
    if (s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodNullable) {
      nullable = true;
      s = s.unwrap() as z.ZodType;
    } else if (s instanceof z.ZodDefault) {
      hasDefault = true;
      defaultValue = s._zod.def.defaultValue;
      s = s.unwrap() as z.ZodType;
    } else break;
    preserve ||= hasPreserveMeta(s);
  }
  const common = { nullable, hasDefault, defaultValue, hasObjects: false };
  if (preserve) return { kind: "schemaless", ...common };
  if (s instanceof z.ZodObject) {
    const fields = new Map<string, ShapeNode>();
    for (const [key, child] of Object.entries(s.shape as Record<string, z.ZodType>)) fields.set(key, build(child));
    const defaulted = [...fields].filter(([, child]) => child.hasDefault);
    return { kind: "object", fields, defaulted, reportUnknown: true, ...common, hasObjects: true };
  }
  if (s instanceof z.ZodArray) {
    const element = build(s.element as z.ZodType);
    return { kind: "array", element, ...common, hasObjects: element.hasObjects };
  }
  if (s instanceof z.ZodRecord) {
    const value = s.valueType as z.ZodType;
    if (value instanceof z.ZodUnknown || value instanceof z.ZodAny) return { kind: "schemaless", ...common };
    const v = build(value);
    return { kind: "map", value: v, ...common, hasObjects: v.hasObjects };
  }
  return { kind: "leaf", ...common };
}
