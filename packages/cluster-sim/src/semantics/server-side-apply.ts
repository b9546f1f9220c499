/**
 * Server-side apply (`application/apply-patch+yaml`): merges the applied configuration into the live object,
 * removes the fields the manager applied before but no longer applies (when no one else owns them), detects
 * conflicts with other managers and records ownership in `metadata.managedFields`, as the apiserver's field manager
 * does. Conflicts come back with the exact 409 `Status` of the real server
 * (`Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .spec.replicas`).
 */
import { badRequest, ClusterSimError } from "../errors/index.ts";
import {
  difference,
  type FieldSet,
  formatFieldPath,
  hasPathOrDescendant,
  intersection,
  pathElements,
  pathKey,
  union,
} from "./field-set.ts";
import {
  compareObjects,
  decodeManagedFields,
  encodeManagedFields,
  formatKubeTime,
  listItemElement,
  type ManagedFieldsEntry,
  type ManagedFieldsOptions,
  type ManagerState,
  managerIdentity,
  resolveMeta,
  stripUntracked,
  toFieldSet,
  withItemCache,
} from "./managed-fields.ts";
import { childMeta, type PatchMeta } from "./patch-meta.ts";
import { cloneJson, isPlainObject, jsonEqual } from "./schema-types.ts";

/** Input of {@link applyServerSide}. */
export interface ApplyServerSideInput extends ManagedFieldsOptions {
  /** The live object, or undefined when the apply creates it. */
  live: unknown;
  /** The applied configuration (the request body). */
  applied: unknown;
  /** `?fieldManager=` (required by the real server for apply). */
  manager: string;
  /** `?force=true`: take over conflicting fields instead of failing. */
  force?: boolean | undefined;
  /** The live managedFields (default: `live.metadata.managedFields`). */
  managedFields?: unknown;
  /** `status` / `scale` when applying to a subresource. */
  subresource?: string | undefined;
  /**
   * The `group/version` of the request URL; an applied object of another version is a 400
   * (`Incorrect version specified in apply patch. …`), as on the real server.
   */
  expectedApiVersion?: string | undefined;
}

/** One field another manager owns with a different value. */
export interface ApplyConflict {
  /** The other manager's name. */
  manager: string;
  /** The field, as structured-merge-diff prints it (`.spec.replicas`, `.spec.containers[name="x"].image`). */
  field: string;
  /** The other manager's operation. */
  operation: "Apply" | "Update";
  /** The other manager's apiVersion. */
  apiVersion: string;
  /** The other manager's subresource, if any. */
  subresource?: string;
}

/** Successful apply. */
export interface ApplyServerSideSuccess {
  /** The merged object, with `metadata.managedFields` set to {@link managedFields}. */
  object: Record<string, unknown>;
  managedFields: ManagedFieldsEntry[];
  /** False when the apply changed nothing in the object (ownership may still have changed). */
  changed: boolean;
}

/** Failed apply: conflicts, with the real server's message and 409 error ready to throw. */
export interface ApplyServerSideConflicts {
  conflicts: ApplyConflict[];
  /** `Apply failed with N conflict(s): …` */
  message: string;
  /** The 409 `Conflict` error whose Status carries `details.causes` of reason `FieldManagerConflict`. */
  error: ClusterSimError;
}

/** How the real server names a manager in conflict messages: `"m"`, `"m" using v1`, `"m" with subresource "status" using v1`. */
export function describeManager(
  c: Pick<ApplyConflict, "manager" | "operation" | "apiVersion" | "subresource">,
): string {
  let s = JSON.stringify(c.manager);
  if (c.subresource) s += ` with subresource ${JSON.stringify(c.subresource)}`;
  if (c.operation === "Update") s += ` using ${c.apiVersion}`;
  return s;
}

/** The message of the 409 apply conflict, worded exactly like the apiserver's field manager. */
export function applyConflictMessage(conflicts: ApplyConflict[]): string {
  if (conflicts.length === 1) {
    const c = conflicts[0] as ApplyConflict;
    return `Apply failed with 1 conflict: conflict with ${describeManager(c)}: ${c.field}`;
  }
  const byManager = new Map<string, ApplyConflict[]>();
  for (const c of conflicts) {
    const key = describeManager(c);
    byManager.set(key, [...(byManager.get(key) ?? []), c]);
  }
  const lines: string[] = [];
  for (const m of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${m}:`);
    for (const c of byManager.get(m) ?? []) lines.push(`- ${c.field}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`;
}

/** The 409 Conflict `ClusterSimError` for apply conflicts. */
export function applyConflictError(conflicts: ApplyConflict[]): ClusterSimError {
  return new ClusterSimError("Conflict", applyConflictMessage(conflicts), {
    details: {
      causes: conflicts.map((c) => ({
        reason: "FieldManagerConflict",
        message: `conflict with ${describeManager(c)}`,
        field: c.field,
      })),
    },
  });
}

function mergeApply(live: unknown, config: unknown, meta: PatchMeta | undefined, atRoot: boolean): unknown {
  if (isPlainObject(config)) {
    if (!isPlainObject(live) || (meta?.atomicMap && !atRoot)) return stripNulls(config);
    const out: Record<string, unknown> = { ...live };
    for (const [k, v] of Object.entries(config)) {
      if (v === null) delete out[k];
      else out[k] = mergeApply(live[k], v, childMeta(meta, k), false);
    }
    return out;
  }
  if (Array.isArray(config)) {
    if (
      !Array.isArray(live) ||
      !meta ||
      (meta.listType !== "map" && meta.listType !== "set") ||
      ![...live, ...config].every((x) => listItemElement(x, meta) !== undefined)
    ) {
      return stripNulls(config);
    }
    const lKeys = live.map((x) => listItemElement(x, meta) ?? "");
    const rKeys = config.map((x) => listItemElement(x, meta) ?? "");
    const lByKey = new Map(lKeys.map((k, i) => [k, live[i]]));
    const rByKey = new Map(rKeys.map((k, i) => [k, config[i]]));
    const item = (k: string): unknown => {
      const r = rByKey.get(k);
      if (r === undefined) return lByKey.get(k);
      return meta.listType === "map" ? mergeApply(lByKey.get(k), r, meta.items, false) : r;
    };
    const out: unknown[] = [];
    const done = new Set<string>();
    let i = 0;
    let j = 0;
    while (i < lKeys.length || j < rKeys.length) {
      const l = lKeys[i];
      const r = rKeys[j];
      if (l !== undefined && done.has(l)) {
        i++;
      } else if (r !== undefined && done.has(r)) {
        j++;
      } else if (l !== undefined && l === r) {
        out.push(item(l));
        done.add(l);
        i++;
        j++;
      } else if (l !== undefined && !rByKey.has(l)) {
        out.push(item(l));
        done.add(l);
        i++;
      } else if (r !== undefined) {
        out.push(item(r));
        done.add(r);
        j++;
      } else if (l !== undefined) {
        out.push(item(l));
        done.add(l);
        i++;
      }
    }
    return out;
  }
  return config;
}

function stripNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = stripNulls(x);
  return out;
}

function locate(
  obj: unknown,
  els: string[],
  meta: PatchMeta | undefined,
): { parent: Record<string, unknown> | unknown[]; key: string | number } | undefined {
  let cur: unknown = obj;
  let m = meta;
  for (let n = 0; n < els.length; n++) {
    const el = els[n] ?? "";
    let parent: Record<string, unknown> | unknown[];
    let key: string | number;
    if (el.startsWith("f:")) {
      if (!isPlainObject(cur)) return undefined;
      parent = cur;
      key = el.slice(2);
      if (!Object.hasOwn(cur, key)) return undefined;
      m = childMeta(m, key);
    } else if (el.startsWith("i:")) {
      if (!Array.isArray(cur)) return undefined;
      parent = cur;
      key = Number(el.slice(2));
      m = m?.items;
    } else {
      if (!Array.isArray(cur) || !m) return undefined;
      const lm = m;
      const idx = cur.findIndex((x) => listItemElement(x, lm) === el);
      if (idx < 0) return undefined;
      parent = cur;
      key = idx;
      m = m.items;
    }
    if (n === els.length - 1) return { parent, key };
    cur = Array.isArray(parent) ? parent[key as number] : parent[key as string];
  }
  return undefined;
}

function removePath(obj: unknown, key: string, meta: PatchMeta | undefined): boolean {
  const at = locate(obj, pathElements(key), meta);
  if (!at) return false;
  if (Array.isArray(at.parent)) at.parent.splice(at.key as number, 1);
  else delete at.parent[at.key as string];
  return true;
}

function valueAt(obj: unknown, key: string, meta: PatchMeta | undefined): unknown {
  const at = locate(obj, pathElements(key), meta);
  if (!at) return undefined;
  return Array.isArray(at.parent) ? at.parent[at.key as number] : at.parent[at.key as string];
}

function prune(merged: unknown, lastSet: FieldSet, owned: FieldSet, meta: PatchMeta): void {
  const candidates = [...difference(lastSet, owned)].sort((a, b) => pathElements(a).length - pathElements(b).length);
  const removed: string[] = [];
  for (const p of candidates) {
    if (hasPathOrDescendant(owned, p)) continue;
    if (removed.some((r) => p.startsWith(`${r}\u0000`))) continue;
    if (removePath(merged, p, meta)) removed.push(p);
  }
  if (removed.length === 0) return;
  // named parents that the manager applied before and that are now empty and unowned go too
  const parents = new Set<string>();
  for (const p of lastSet) {
    const els = pathElements(p);
    for (let n = els.length - 1; n >= 1; n--) parents.add(pathKey(els.slice(0, n)));
  }
  for (const p of [...parents].sort((a, b) => pathElements(b).length - pathElements(a).length)) {
    if (!(pathElements(p).at(-1) ?? "").startsWith("f:")) continue;
    if (hasPathOrDescendant(owned, p)) continue;
    const v = valueAt(merged, p, meta);
    if ((isPlainObject(v) && Object.keys(v).length === 0) || (Array.isArray(v) && v.length === 0))
      removePath(merged, p, meta);
  }
}

/** `kubectl.kubernetes.io/last-applied-configuration`, the client-side apply annotation. */
export const LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";

function lastAppliedOf(obj: unknown): string | undefined {
  if (!isPlainObject(obj) || !isPlainObject(obj.metadata) || !isPlainObject(obj.metadata.annotations)) return undefined;
  const v = obj.metadata.annotations[LAST_APPLIED_ANNOTATION];
  return typeof v === "string" && v !== "" ? v : undefined;
}

/**
 * The apiserver's `lastAppliedManager`: for the `kubectl` manager (plain `kubectl apply --server-side`), conflicts
 * on fields the object's client-side-apply annotation lists are allowed, so objects upgrade from client-side to
 * server-side apply without `--force-conflicts`.
 */
function allowedByLastApplied(input: ApplyServerSideInput, meta: PatchMeta): FieldSet | undefined {
  if (input.manager !== "kubectl") return undefined;
  const lastApplied = lastAppliedOf(input.live);
  if (lastApplied === undefined) return undefined;
  try {
    return toFieldSet(JSON.parse(lastApplied), meta);
  } catch {
    return undefined;
  }
}

function sortedJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (!isPlainObject(x)) return x;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(x).sort()) out[k] = x[k];
    return out;
  });
}

/**
 * The apiserver's `lastAppliedUpdater`: a server-side apply by `kubectl` on an object that carries the client-side
 * apply annotation rewrites the annotation to the applied configuration (without the annotation itself), so a later
 * client-side apply diffs against what was applied last.
 */
function syncLastApplied(input: ApplyServerSideInput, object: Record<string, unknown>): void {
  if (input.manager !== "kubectl" || lastAppliedOf(object) === undefined || !isPlainObject(input.applied)) return;
  const applied = cloneJson(input.applied) as Record<string, unknown>;
  if (isPlainObject(applied.metadata) && isPlainObject(applied.metadata.annotations)) {
    delete applied.metadata.annotations[LAST_APPLIED_ANNOTATION];
    if (Object.keys(applied.metadata.annotations).length === 0) delete applied.metadata.annotations;
  }
  const metadata = object.metadata as Record<string, unknown>;
  metadata.annotations = {
    ...(metadata.annotations as Record<string, unknown>),
    [LAST_APPLIED_ANNOTATION]: sortedJson(applied),
  };
}

function setsEqual(a: FieldSet, b: FieldSet): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

function withoutManagedFields(obj: unknown): unknown {
  if (!isPlainObject(obj) || !isPlainObject(obj.metadata) || !("managedFields" in obj.metadata)) return obj;
  const { managedFields: _ignored, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

/**
 * Server-side apply of `applied` by `manager` onto `live` (undefined = create). Returns the merged object and its
 * managedFields, or the conflicts (with `message` and a ready-to-throw 409 `error`) when another manager owns a field
 * the configuration changes and `force` is not set. With `force`, the fields move to `manager`. Fields the manager
 * applied last time and omits now are removed unless another manager owns them. List identity follows the built-in
 * kinds' list-map keys (containers by `name`, ports by `containerPort`+`protocol`, conditions by `type`, …) or the CRD
 * `schema`'s `x-kubernetes-list-type`/`x-kubernetes-list-map-keys` when given. As on the real server, the `kubectl`
 * manager may take over fields listed in the object's `kubectl.kubernetes.io/last-applied-configuration` annotation
 * without conflicts (client-side → server-side apply upgrade), and then rewrites that annotation.
 */
export function applyServerSide(input: ApplyServerSideInput): ApplyServerSideSuccess | ApplyServerSideConflicts {
  return withItemCache(() => applyServerSideUncached(input));
}

function applyServerSideUncached(input: ApplyServerSideInput): ApplyServerSideSuccess | ApplyServerSideConflicts {
  const appliedVersion =
    isPlainObject(input.applied) && typeof input.applied.apiVersion === "string" ? input.applied.apiVersion : "";
  if (input.expectedApiVersion !== undefined && appliedVersion !== input.expectedApiVersion) {
    const specified = appliedVersion.includes("/") ? appliedVersion : `/${appliedVersion}`;
    const expected = input.expectedApiVersion.includes("/") ? input.expectedApiVersion : `/${input.expectedApiVersion}`;
    throw badRequest(
      `Incorrect version specified in apply patch. Specified patch version: ${specified}, expected: ${expected}`,
    );
  }
  if (
    isPlainObject(input.applied) &&
    isPlainObject(input.applied.metadata) &&
    input.applied.metadata.managedFields != null
  ) {
    throw badRequest("metadata.managedFields must be nil");
  }
  const liveObj = cloneJson(withoutManagedFields(input.live ?? {}));
  const config = withoutManagedFields(input.applied);
  const meta = resolveMeta(input.applied, input);
  const ignore = input.ignoreTopLevelFields ?? [];
  const merged = mergeApply(liveObj, config, meta, true);
  const configSet = stripUntracked(toFieldSet(config, meta), ignore);
  const states: ManagerState[] = decodeManagedFields(
    input.managedFields ??
      (isPlainObject(input.live) && isPlainObject(input.live.metadata) ? input.live.metadata.managedFields : undefined),
  );
  const apiVersion =
    isPlainObject(input.applied) && typeof input.applied.apiVersion === "string" ? input.applied.apiVersion : "";
  const identity = managerIdentity({
    manager: input.manager,
    operation: "Apply",
    apiVersion,
    ...(input.subresource ? { subresource: input.subresource } : {}),
  });
  let mine = states.find((s) => managerIdentity(s.entry) === identity);
  const lastSet = mine?.set ?? new Set<string>();
  const isNew = !mine;
  if (!mine) {
    const entry: ManagedFieldsEntry = {
      manager: input.manager,
      operation: "Apply",
      apiVersion,
      fieldsType: "FieldsV1",
      fieldsV1: {},
    };
    if (input.subresource) entry.subresource = input.subresource;
    mine = { entry, set: configSet };
    states.push(mine);
  }
  // keep the previous set object when the content is the same, so its cached fieldsV1 encoding is reused
  mine.set = setsEqual(lastSet, configSet) ? lastSet : configSet;
  mine.entry.apiVersion = apiVersion;

  let owned: FieldSet = new Set();
  for (const s of states) owned = union(owned, s.set);
  if (lastSet.size > 0) prune(merged, lastSet, owned, meta);

  const cmp = compareObjects(liveObj, merged, meta);
  const changedPaths = union(cmp.added, cmp.modified);
  const conflicts: (ApplyConflict & { key: string })[] = [];
  const conflictSets = new Map<ManagerState, FieldSet>();
  for (const s of states) {
    if (s === mine) continue;
    const c = intersection(s.set, changedPaths);
    if (c.size === 0) continue;
    conflictSets.set(s, c);
    for (const p of [...c].sort()) {
      const conflict: ApplyConflict & { key: string } = {
        key: p,
        manager: s.entry.manager,
        field: formatFieldPath(p),
        operation: s.entry.operation,
        apiVersion: s.entry.apiVersion,
      };
      if (s.entry.subresource) conflict.subresource = s.entry.subresource;
      conflicts.push(conflict);
    }
  }
  if (conflicts.length > 0 && !input.force) {
    const allowed = allowedByLastApplied(input, meta);
    const remaining = allowed ? conflicts.filter((c) => !allowed.has(c.key)) : conflicts;
    if (remaining.length > 0) {
      const out = remaining
        .map(({ key: _key, ...c }) => c)
        .sort((a, b) => (a.manager < b.manager ? -1 : a.manager > b.manager ? 1 : 0));
      return { conflicts: out, message: applyConflictMessage(out), error: applyConflictError(out) };
    }
  }
  for (const s of states) {
    if (s === mine) continue;
    s.set = difference(difference(s.set, conflictSets.get(s) ?? new Set()), cmp.removed);
  }
  const changed = !jsonEqual(liveObj, merged);
  if (changed || isNew || mine.entry.time === undefined) mine.entry.time = formatKubeTime(input.now ?? new Date());
  const managedFields = encodeManagedFields(states);
  const object = (isPlainObject(merged) ? merged : {}) as Record<string, unknown>;
  const metadata = isPlainObject(object.metadata) ? object.metadata : {};
  object.metadata = { ...metadata, managedFields };
  syncLastApplied(input, object);
  return { object, managedFields, changed };
}
