/**
 * A plain, precomputed view of a zod object schema: which keys each object knows, where defaults sit, which
 * nodes are schemaless. Built once per schema and cached; the defaulting and unknown-field walkers use it
 * instead of introspecting zod on every call.
 */
import * as z from "zod";
import { PRESERVE_UNKNOWN_FIELDS } from "./common.ts";

/** One node of a {@link ShapeNode} tree. */
export type ShapeNode =
  | {
      readonly kind: "object";
      readonly fields: ReadonlyMap<string, ShapeNode>;
      /** Unknown keys are reported (false for schemaless and loose-but-quiet objects). */
      readonly reportUnknown: boolean;
      readonly nullable: boolean;
      readonly hasDefault: boolean;
      readonly defaultValue: unknown;
    }
  | { readonly kind: "array"; readonly element: ShapeNode; readonly nullable: boolean; readonly hasDefault: boolean; readonly defaultValue: unknown }
  | { readonly kind: "map"; readonly value: ShapeNode; readonly nullable: boolean; readonly hasDefault: boolean; readonly defaultValue: unknown }
  | { readonly kind: "schemaless"; readonly nullable: boolean; readonly hasDefault: boolean; readonly defaultValue: unknown }
  | { readonly kind: "leaf"; readonly nullable: boolean; readonly hasDefault: boolean; readonly defaultValue: unknown };

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
  const common = { nullable, hasDefault, defaultValue };
  if (preserve) return { kind: "schemaless", ...common };
  if (s instanceof z.ZodObject) {
    const fields = new Map<string, ShapeNode>();
    for (const [key, child] of Object.entries(s.shape as Record<string, z.ZodType>)) fields.set(key, build(child));
    return { kind: "object", fields, reportUnknown: true, ...common };
  }
  if (s instanceof z.ZodArray) return { kind: "array", element: build(s.element as z.ZodType), ...common };
  if (s instanceof z.ZodRecord) {
    const value = s.valueType as z.ZodType;
    if (value instanceof z.ZodUnknown || value instanceof z.ZodAny) return { kind: "schemaless", ...common };
    return { kind: "map", value: build(value), ...common };
  }
  return { kind: "leaf", ...common };
}
