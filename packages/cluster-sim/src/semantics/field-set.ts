/**
 * Field sets of server-side apply (structured-merge-diff): sets of paths whose elements are `f:<field>`,
 * `k:<json of list-map keys>`, `v:<json value>` and `i:<index>`, their `fieldsV1` encoding in `managedFields`
 * (`{"f:metadata":{"f:labels":{".":{},"f:app":{}}}}`) and the `.spec.containers[name="x"].image` text used in
 * conflict messages.
 */
import { isPlainObject } from "./schema-types.ts";

const SEP = "\u0000";

/** A set of field paths; each path is its elements joined by NUL (`f:spec\0f:replicas`). */
export type FieldSet = Set<string>;

/** Joins path elements into a set entry. */
export function pathKey(elements: string[]): string {
  return elements.join(SEP);
}

/** Appends one element to a set entry (`""` is the root). */
export function appendPath(key: string, element: string): string {
  return key === "" ? element : key + SEP + element;
}

/** Splits a set entry into its path elements. */
export function pathElements(key: string): string[] {
  return key === "" ? [] : key.split(SEP);
}

/** `f:<name>` */
export function fieldElement(name: string): string {
  return `f:${name}`;
}

/** `k:{"name":"x"}` with the key fields sorted, as structured-merge-diff serializes them. */
export function keyElement(keys: Record<string, unknown>): string {
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(keys).sort()) sorted[k] = keys[k];
  return `k:${JSON.stringify(sorted)}`;
}

/** `v:<json>` */
export function valueElement(value: unknown): string {
  return `v:${JSON.stringify(value)}`;
}

interface TreeNode {
  member: boolean;
  children: Map<string, TreeNode>;
}

const encodeCache = new WeakMap<FieldSet, Record<string, unknown>>();
const decodeCache = new WeakMap<object, FieldSet>();

/**
 * Encodings interned by content, so that objects of the same shape (most objects of a kind written by the same
 * manager) share one frozen `fieldsV1` tree instead of holding a copy each. Bounded: cleared when full.
 */
const internedEncodings = new Map<string, Record<string, unknown>>();
const INTERN_LIMIT = 8192;

/**
 * Encodes a field set as `fieldsV1`. Members that also have children get a `"."` entry. Cached per set, and the
 * result is shared between sets of the same content: it is deeply frozen (copy it before changing it).
 */
export function encodeFieldsV1(set: FieldSet): Record<string, unknown> {
  const hit = encodeCache.get(set);
  if (hit) return hit;
  const contentKey = [...set].join("\u0001");
  let encoded = internedEncodings.get(contentKey);
  if (!encoded) {
    encoded = deepFreeze(encodeUncached(set));
    if (internedEncodings.size >= INTERN_LIMIT) internedEncodings.clear();
    internedEncodings.set(contentKey, encoded);
    decodeCache.set(encoded, set);
  }
  encodeCache.set(set, encoded);
  return encoded;
}

function deepFreeze<T extends Record<string, unknown>>(o: T): T {
  for (const v of Object.values(o)) if (typeof v === "object" && v !== null) deepFreeze(v as Record<string, unknown>);
  return Object.freeze(o);
}

function encodeUncached(set: FieldSet): Record<string, unknown> {
  const root: TreeNode = { member: false, children: new Map() };
  for (const key of set) {
    let node = root;
    for (const el of pathElements(key)) {
      let child = node.children.get(el);
      if (!child) {
        child = { member: false, children: new Map() };
        node.children.set(el, child);
      }
      node = child;
    }
    node.member = true;
  }
  const serialize = (node: TreeNode): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    if (node.member && node.children.size > 0) out["."] = {};
    const keys = [...node.children.keys()].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
    for (const k of keys) {
      const child = node.children.get(k);
      if (child) out[k] = serialize(child);
    }
    return out;
  };
  return serialize(root);
}

function rank(k: string): number {
  if (k === ".") return 0;
  switch (k.slice(0, 2)) {
    case "f:":
      return 1;
    case "v:":
      return 2;
    case "i:":
      return 3;
    case "k:":
      return 4;
    default:
      return 5;
  }
}

/** Decodes `fieldsV1` into a field set (treat it as immutable). Unknown shapes are ignored. Cached per object. */
export function decodeFieldsV1(fields: unknown): FieldSet {
  if (typeof fields === "object" && fields !== null) {
    const hit = decodeCache.get(fields);
    if (hit) return hit;
  }
  const set: FieldSet = new Set();
  const walk = (node: unknown, prefix: string[]): void => {
    if (!isPlainObject(node)) return;
    for (const [k, v] of Object.entries(node)) {
      if (k === ".") {
        if (prefix.length > 0) set.add(pathKey(prefix));
        continue;
      }
      const p = [...prefix, k];
      if (isPlainObject(v) && Object.keys(v).length > 0) walk(v, p);
      else set.add(pathKey(p));
    }
  };
  walk(fields, []);
  if (typeof fields === "object" && fields !== null) decodeCache.set(fields, set);
  return set;
}

/** Renders a path like structured-merge-diff's `Path.String()`: `.spec.containers[name="x"].ports[containerPort=80,protocol="TCP"]`. */
export function formatFieldPath(key: string): string {
  let out = "";
  for (const el of pathElements(key)) {
    const body = el.slice(2);
    switch (el.slice(0, 2)) {
      case "f:":
        out += `.${body}`;
        break;
      case "k:": {
        let keys: Record<string, unknown> = {};
        try {
          const parsed: unknown = JSON.parse(body);
          if (isPlainObject(parsed)) keys = parsed;
        } catch {
          // not JSON: print it raw below
        }
        const parts = Object.keys(keys)
          .sort()
          .map((k) => `${k}=${JSON.stringify(keys[k])}`);
        out += `[${parts.join(",")}]`;
        break;
      }
      case "v:":
        out += `[=${body}]`;
        break;
      case "i:":
        out += `[${body}]`;
        break;
      default:
        out += el;
    }
  }
  return out;
}

/** Set union (returns `a` itself when `b` adds nothing; sets are treated as immutable). */
export function union(a: FieldSet, b: FieldSet): FieldSet {
  let out: FieldSet | undefined;
  for (const x of b) {
    if (a.has(x)) continue;
    out ??= new Set(a);
    out.add(x);
  }
  return out ?? a;
}

/** Set difference `a − b` (returns `a` itself when nothing is removed; sets are treated as immutable). */
export function difference(a: FieldSet, b: FieldSet): FieldSet {
  if (b.size === 0) return a;
  let hit = false;
  for (const x of b) {
    if (a.has(x)) {
      hit = true;
      break;
    }
  }
  if (!hit) return a;
  const out: FieldSet = new Set();
  for (const x of a) if (!b.has(x)) out.add(x);
  return out;
}

/** Set intersection. */
export function intersection(a: FieldSet, b: FieldSet): FieldSet {
  const out: FieldSet = new Set();
  for (const x of a) if (b.has(x)) out.add(x);
  return out;
}

/** True when `set` contains `key` or any path below it. */
export function hasPathOrDescendant(set: FieldSet, key: string): boolean {
  if (set.has(key)) return true;
  const prefix = key + SEP;
  for (const x of set) if (x.startsWith(prefix)) return true;
  return false;
}
