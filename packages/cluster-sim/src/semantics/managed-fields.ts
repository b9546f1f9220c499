/**
 * `metadata.managedFields` bookkeeping (the apiserver's field manager over structured-merge-diff): field sets of
 * objects, comparison of two versions, and the `Update` operation of non-apply writes.
 */
import {
  appendPath,
  difference,
  type FieldSet,
  fieldElement,
  keyElement,
  pathKey,
  union,
  valueElement,
} from "./field-set.ts";
import { BUILTIN_API_GROUPS, builtinPatchMeta, childMeta, type PatchMeta, patchMetaFromSchema } from "./patch-meta.ts";
import { decodeFieldsV1, encodeFieldsV1 } from "./field-set.ts";
import { isPlainObject, type JSONSchemaProps, jsonEqual } from "./schema-types.ts";

/** One `metadata.managedFields` entry. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time?: string;
  fieldsType: "FieldsV1";
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

/** Options shared by the managed-fields functions. */
export interface ManagedFieldsOptions {
  /** The list semantics to use; default: from the kind (built-ins) or the CRD `schema`. */
  meta?: PatchMeta;
  /** A CRD version's schema, for custom resources (list-type/map-keys). */
  schema?: JSONSchemaProps;
  /** Clock for the `time` of entries. */
  now?: Date;
  /** Top-level fields whose ownership is not tracked (e.g. `["status"]` for main-resource writes of kinds with a status subresource). */
  ignoreTopLevelFields?: string[];
}

/** Paths never tracked in managedFields (structured-merge-diff's stripped metadata). */
const STRIPPED = new Set(
  [
    ["f:apiVersion"],
    ["f:kind"],
    ["f:metadata"],
    ["f:metadata", "f:name"],
    ["f:metadata", "f:namespace"],
    ["f:metadata", "f:creationTimestamp"],
    ["f:metadata", "f:selfLink"],
    ["f:metadata", "f:uid"],
    ["f:metadata", "f:clusterName"],
    ["f:metadata", "f:generation"],
    ["f:metadata", "f:managedFields"],
    ["f:metadata", "f:resourceVersion"],
  ].map(pathKey),
);

/** Removes the untracked paths (and anything under `metadata.managedFields`) plus ignored top-level fields. */
export function stripUntracked(set: FieldSet, ignoreTopLevelFields: string[] = []): FieldSet {
  const ignored = ignoreTopLevelFields.map((f) => fieldElement(f));
  let dirty = false;
  for (const p of set) {
    if (p.startsWith("f:metadata") || p === "f:apiVersion" || p === "f:kind" || ignored.some((i) => p.startsWith(i))) {
      dirty = true;
      break;
    }
  }
  if (!dirty) return set;
  const out: FieldSet = new Set();
  for (const p of set) {
    if (STRIPPED.has(p)) continue;
    if (p.startsWith(`f:metadata\u0000f:managedFields`)) continue;
    if (ignored.some((i) => p === i || p.startsWith(`${i}\u0000`))) continue;
    out.add(p);
  }
  return out;
}

/** Resolves the list/map semantics for an object: explicit meta, CRD schema, built-in table, or none. */
export function resolveMeta(obj: unknown, options: ManagedFieldsOptions = {}): PatchMeta {
  if (options.meta) return options.meta;
  if (options.schema) return patchMetaFromSchema(options.schema);
  const apiVersion = isPlainObject(obj) && typeof obj.apiVersion === "string" ? obj.apiVersion : "";
  const kind = isPlainObject(obj) && typeof obj.kind === "string" ? obj.kind : "";
  const group = apiVersion.includes("/") ? (apiVersion.split("/")[0] ?? "") : "";
  return builtinPatchMeta({ group, kind }) ?? patchMetaFromSchema(undefined);
}

// Item identities are cached for the duration of one top-level call only (objects may be mutated between calls).
// The cache is created lazily: most writes touch no associative list, and a WeakMap per write is costly for the GC.
let itemElementCache: WeakMap<PatchMeta, WeakMap<object, string | undefined>> | undefined;
let cacheDepth = 0;

/** Runs `fn` with a fresh list-item identity cache (nested calls share the outer one). */
export function withItemCache<T>(fn: () => T): T {
  if (cacheDepth === 0) itemElementCache = undefined;
  cacheDepth++;
  try {
    return fn();
  } finally {
    cacheDepth--;
    if (cacheDepth === 0) itemElementCache = undefined;
  }
}

/** The key fields of a list-map item, or undefined when the item lacks them (then the list is treated as atomic). */
export function listItemElement(item: unknown, meta: PatchMeta): string | undefined {
  if (meta.listType === "set") return valueElement(item);
  if (!isPlainObject(item)) return undefined;
  let byItem = cacheDepth > 0 ? itemElementCache?.get(meta) : undefined;
  if (byItem?.has(item)) return byItem.get(item);
  const keys = meta.listMapKeys ?? (meta.mergeKey ? [meta.mergeKey] : []);
  let element: string | undefined;
  if (keys.length > 0) {
    const k: Record<string, unknown> = {};
    for (const key of keys) {
      const v = item[key] !== undefined ? item[key] : meta.listMapKeyDefaults?.[key];
      if (v !== undefined) k[key] = v;
    }
    if (Object.keys(k).length > 0) element = keyElement(k);
  }
  if (cacheDepth > 0) {
    if (!byItem) {
      byItem = new WeakMap();
      itemElementCache ??= new WeakMap();
      itemElementCache.set(meta, byItem);
    }
    byItem.set(item, element);
  }
  return element;
}

function isAssociative(list: unknown[], meta: PatchMeta | undefined): meta is PatchMeta {
  if (!meta || (meta.listType !== "map" && meta.listType !== "set")) return false;
  return list.every((x) => listItemElement(x, meta) !== undefined);
}

function isScalar(v: unknown): boolean {
  return v === null || typeof v !== "object";
}

/**
 * The field set of an object (what an applier owns when it applies this configuration): every leaf, every
 * associative list item, empty/null maps, and entries of maps (not structs) whose values are not scalars.
 */
export function toFieldSet(obj: unknown, meta: PatchMeta | undefined): FieldSet {
  const set: FieldSet = new Set();
  const walk = (v: unknown, m: PatchMeta | undefined, path: string): void => {
    if (isPlainObject(v)) {
      if (m?.atomicMap && path !== "") {
        set.add(path);
        return;
      }
      for (const k of Object.keys(v)) {
        const x = v[k];
        const p = appendPath(path, fieldElement(k));
        const declared = m?.fields?.[k] !== undefined;
        if (x === null || (isPlainObject(x) && Object.keys(x).length === 0)) set.add(p);
        else if (!declared && m?.values !== undefined && !isScalar(x)) set.add(p);
        walk(x, childMeta(m, k), p);
      }
    } else if (Array.isArray(v)) {
      if (!isAssociative(v, m)) {
        set.add(path);
        return;
      }
      for (const item of v) {
        const p = appendPath(path, listItemElement(item, m) ?? "");
        set.add(p);
        if (m.listType === "map") walk(item, m.items, p);
      }
    } else if (path !== "") {
      set.add(path);
    }
  };
  walk(obj, meta, "");
  return set;
}

/** The result of comparing two versions of an object. */
export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

function isEmptyish(v: unknown): boolean {
  return (
    v === undefined ||
    v === null ||
    (isPlainObject(v) && Object.keys(v).length === 0) ||
    (Array.isArray(v) && v.length === 0)
  );
}

/** Compares `before` and `after` like structured-merge-diff's `TypedValue.Compare`. */
export function compareObjects(before: unknown, after: unknown, meta: PatchMeta | undefined): Comparison {
  const c: Comparison = { added: new Set(), modified: new Set(), removed: new Set() };
  const leaf = (l: unknown, r: unknown, path: string): void => {
    if (path === "") return;
    if (l === undefined) c.added.add(path);
    else if (r === undefined) c.removed.add(path);
    else if (!jsonEqual(l, r)) c.modified.add(path);
  };
  const walk = (l: unknown, r: unknown, m: PatchMeta | undefined, path: string): void => {
    if (l === undefined && r === undefined) return;
    if (l === r && (l === null || typeof l !== "object")) return;
    const both = l !== undefined && r !== undefined;
    if (isEmptyish(l) && isEmptyish(r)) {
      leaf(l, r, path);
      return;
    }
    // a null on one side (a Go pointer or slice without omitempty) is an empty map or list that exists: its children
    // are walked, the node itself is neither added nor removed (structured-merge-diff's deref of a null value)
    const lMap = l === undefined || l === null || isPlainObject(l);
    const rMap = r === undefined || r === null || isPlainObject(r);
    if (lMap && rMap && (isPlainObject(l) || isPlainObject(r)) && !(m?.atomicMap && path !== "")) {
      const lo = (l ?? {}) as Record<string, unknown>;
      const ro = (r ?? {}) as Record<string, unknown>;
      for (const k of Object.keys(lo)) walk(lo[k], ro[k], childMeta(m, k), appendPath(path, fieldElement(k)));
      for (const k of Object.keys(ro)) {
        if (!Object.hasOwn(lo, k)) walk(undefined, ro[k], childMeta(m, k), appendPath(path, fieldElement(k)));
      }
      if (!both && path !== "") (l === undefined ? c.added : c.removed).add(path);
      return;
    }
    const lList = l === undefined || l === null || Array.isArray(l);
    const rList = r === undefined || r === null || Array.isArray(r);
    if (lList && rList && (Array.isArray(l) || Array.isArray(r)) && m) {
      const la = (l ?? []) as unknown[];
      const ra = (r ?? []) as unknown[];
      if (isAssociative(la, m) && isAssociative(ra, m)) {
        const lItems = new Map(la.map((x) => [listItemElement(x, m) ?? "", x]));
        const rItems = new Map(ra.map((x) => [listItemElement(x, m) ?? "", x]));
        const keys = new Set([...lItems.keys(), ...rItems.keys()]);
        for (const k of keys) {
          const p = appendPath(path, k);
          const li = lItems.get(k);
          const ri = rItems.get(k);
          if (m.listType === "set") leaf(li, ri, p);
          else {
            walk(li, ri, m.items, p);
            if (li === undefined) c.added.add(p);
            else if (ri === undefined) c.removed.add(p);
          }
        }
        if (!both && path !== "") (l === undefined ? c.added : c.removed).add(path);
        return;
      }
    }
    leaf(l, r, path);
  };
  walk(before, after, meta, "");
  return c;
}

/** Formats a `time` like metav1.Time (RFC 3339, seconds, UTC). */
export function formatKubeTime(d: Date): string {
  const second = Math.floor(d.getTime() / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastSecondText = `${d.toISOString().slice(0, 19)}Z`;
  }
  return lastSecondText;
}
let lastSecond = Number.NaN;
let lastSecondText = "";

/** The identity of a manager entry (manager, operation, subresource, and apiVersion for Update). */
export function managerIdentity(
  e: Pick<ManagedFieldsEntry, "manager" | "operation" | "apiVersion" | "subresource">,
): string {
  return JSON.stringify([e.manager, e.operation, e.operation === "Update" ? e.apiVersion : "", e.subresource ?? ""]);
}

/** A decoded managedFields entry. */
export interface ManagerState {
  entry: ManagedFieldsEntry;
  set: FieldSet;
}

/** Decodes `metadata.managedFields` (invalid entries are dropped). */
export function decodeManagedFields(managed: unknown): ManagerState[] {
  if (!Array.isArray(managed)) return [];
  const out: ManagerState[] = [];
  for (const e of managed) {
    if (!isPlainObject(e) || typeof e.manager !== "string") continue;
    const operation = e.operation === "Apply" ? "Apply" : "Update";
    const entry: ManagedFieldsEntry = {
      manager: e.manager,
      operation,
      apiVersion: typeof e.apiVersion === "string" ? e.apiVersion : "",
      fieldsType: "FieldsV1",
      fieldsV1: isPlainObject(e.fieldsV1) ? e.fieldsV1 : {},
    };
    if (typeof e.time === "string") entry.time = e.time;
    if (typeof e.subresource === "string" && e.subresource !== "") entry.subresource = e.subresource;
    out.push({ entry, set: decodeFieldsV1(entry.fieldsV1) });
  }
  return out;
}

/** Encodes manager states back to sorted `managedFields` entries (empty sets dropped), as the apiserver orders them. */
export function encodeManagedFields(states: ManagerState[]): ManagedFieldsEntry[] {
  const entries = states
    .filter((s) => s.set.size > 0)
    .map((s) => {
      const e: ManagedFieldsEntry = {
        manager: s.entry.manager,
        operation: s.entry.operation,
        apiVersion: s.entry.apiVersion,
      } as ManagedFieldsEntry;
      if (s.entry.time !== undefined) e.time = s.entry.time;
      e.fieldsType = "FieldsV1";
      e.fieldsV1 = encodeFieldsV1(s.set);
      if (s.entry.subresource !== undefined) e.subresource = s.entry.subresource;
      return e;
    });
  const seconds = (t: string | undefined): number => (t ? Math.floor(Date.parse(t) / 1000) || 0 : 0);
  return entries.sort((p, q) => {
    if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
    const ps = seconds(p.time);
    const qs = seconds(q.time);
    if (ps !== qs) return ps - qs;
    if (p.manager !== q.manager) return p.manager < q.manager ? -1 : 1;
    if (p.apiVersion !== q.apiVersion) return p.apiVersion < q.apiVersion ? -1 : 1;
    return (p.subresource ?? "") < (q.subresource ?? "") ? -1 : (p.subresource ?? "") > (q.subresource ?? "") ? 1 : 0;
  });
}

function withoutManagedFields(obj: unknown): unknown {
  if (!isPlainObject(obj) || !isPlainObject(obj.metadata) || !("managedFields" in obj.metadata)) return obj;
  const { managedFields: _ignored, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

/** A pod template's zero value: its non-pointer `metadata` and `spec`, and `containers` (no `omitempty`) as null. */
const ZERO_POD_TEMPLATE = { metadata: {}, spec: { containers: null } };

/**
 * The zero values of built-in kinds as the real server serializes a new Go object (`{}` for a non-pointer struct,
 * `null` for a pointer or slice without `omitempty`), where they differ from `{spec: {}, status: {}}`.
 */
const ZERO_VALUES: Record<string, Record<string, unknown>> = {
  "apps/Deployment": { spec: { selector: null, template: ZERO_POD_TEMPLATE, strategy: {} }, status: {} },
  "apps/ReplicaSet": { spec: { selector: null, template: ZERO_POD_TEMPLATE }, status: {} },
  "apps/StatefulSet": { spec: { selector: null, template: ZERO_POD_TEMPLATE, updateStrategy: {} }, status: {} },
  "apps/DaemonSet": { spec: { selector: null, template: ZERO_POD_TEMPLATE, updateStrategy: {} }, status: {} },
  "batch/Job": { spec: { template: ZERO_POD_TEMPLATE }, status: {} },
  "/Pod": { spec: { containers: null }, status: {} },
};

/**
 * What a create is compared against. For built-in kinds the real server starts from the zero value of the Go type,
 * whose non-pointer structs (`spec`, `status`, a Deployment's `template` and `strategy`) already exist and whose
 * non-`omitempty` pointers and slices are null, so a create does not own them (no `"."` under `f:spec`,
 * `f:template`, `f:containers`); for custom resources it starts from `{}`.
 */
function emptyTypedObject(after: unknown): Record<string, unknown> {
  if (!isPlainObject(after)) return {};
  const apiVersion = typeof after.apiVersion === "string" ? after.apiVersion : "";
  const group = apiVersion.includes("/") ? (apiVersion.split("/")[0] ?? "") : "";
  if (!BUILTIN_API_GROUPS.has(group)) return {};
  const zero = ZERO_VALUES[`${group}/${typeof after.kind === "string" ? after.kind : ""}`];
  if (zero !== undefined) return cloneZero(zero);
  const out: Record<string, unknown> = {};
  for (const k of ["spec", "status"]) if (isPlainObject(after[k])) out[k] = {};
  return out;
}

function cloneZero(v: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(v)) as Record<string, unknown>;
}

/**
 * The managedFields a write starts from, as the apiserver's `decodeLiveOrNew`: subresource writes keep the live ones;
 * `[{}]` in the request resets them; otherwise the request's, when it carries decodable entries, else the live ones
 * (so clients that drop managedFields do not erase them).
 */
function startingManagedFields(before: unknown, after: unknown, subresource: string | undefined): unknown {
  const b = isPlainObject(before) && isPlainObject(before.metadata) ? before.metadata.managedFields : undefined;
  if (subresource) return b;
  const a = isPlainObject(after) && isPlainObject(after.metadata) ? after.metadata.managedFields : undefined;
  if (Array.isArray(a) && a.length === 1 && isPlainObject(a[0]) && Object.keys(a[0]).length === 0) return [];
  // A client that sends back what it read (the common read-modify-write) gets the live entries, whose decoded sets
  // are cached, instead of decoding its copies again.
  if (a !== undefined && b !== undefined && jsonEqual(a, b)) return b;
  if (decodeManagedFields(a).length > 0) return a;
  return b;
}

/**
 * Computes `metadata.managedFields` after a write by `manager`. For `Update` (create, PUT, merge/JSON/strategic
 * patch): the fields the write added or changed become the manager's (its entry's `time` is refreshed), and are
 * taken from other managers; removed fields leave every manager. Entries start from the incoming object's
 * managedFields when it carries any (`[{}]` resets them; subresource writes always keep `before`'s), else from
 * `before`'s. `before` is `undefined` for a create. Returns the new entries (sorted like the apiserver's: Apply before Update, then by time).
 * For `Apply`, use {@link applyServerSide}, which also merges the object.
 */
export function updateManagedFields(
  before: unknown,
  after: unknown,
  manager: string,
  operation: "Update" | "Apply",
  subresource?: string,
  options: ManagedFieldsOptions = {},
): ManagedFieldsEntry[] {
  return withItemCache(() => updateManagedFieldsUncached(before, after, manager, operation, subresource, options));
}

function updateManagedFieldsUncached(
  before: unknown,
  after: unknown,
  manager: string,
  operation: "Update" | "Apply",
  subresource: string | undefined,
  options: ManagedFieldsOptions,
): ManagedFieldsEntry[] {
  const states = decodeManagedFields(startingManagedFields(before, after, subresource));
  const meta = resolveMeta(after, options);
  const cmp = compareObjects(
    withoutManagedFields(before ?? emptyTypedObject(after)),
    withoutManagedFields(after),
    meta,
  );
  const ignore = options.ignoreTopLevelFields ?? [];
  const changed = stripUntracked(union(cmp.added, cmp.modified), ignore);
  const removed = cmp.removed;
  const apiVersion = isPlainObject(after) && typeof after.apiVersion === "string" ? after.apiVersion : "";
  const now = formatKubeTime(options.now ?? new Date());
  const identity = managerIdentity({ manager, operation, apiVersion, ...(subresource ? { subresource } : {}) });
  for (const s of states) {
    if (managerIdentity(s.entry) === identity) continue;
    s.set = difference(difference(s.set, changed), removed);
  }
  if (changed.size > 0) {
    let mine = states.find((s) => managerIdentity(s.entry) === identity);
    if (!mine) {
      const entry: ManagedFieldsEntry = { manager, operation, apiVersion, fieldsType: "FieldsV1", fieldsV1: {} };
      if (subresource) entry.subresource = subresource;
      mine = { entry, set: new Set() };
      states.push(mine);
    }
    mine.set = union(difference(mine.set, removed), changed);
    // the real server's scale handler writes its entry without a time (so it sorts first among the Updates)
    if (subresource === "scale") delete mine.entry.time;
    else mine.entry.time = now;
  } else {
    const mine = states.find((s) => managerIdentity(s.entry) === identity);
    if (mine) mine.set = difference(mine.set, removed);
  }
  return encodeManagedFields(states);
}
