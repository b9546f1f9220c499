/**
 * Update (PUT) and the tail every update and patch shares, as the real server's `rest.BeforeUpdate` + registry
 * strategy do it: optimistic concurrency on `metadata.resourceVersion`, the status subresource split, immutable
 * metadata, finalizers frozen while deleting, immutable ConfigMaps/Secrets, validation, generation on spec changes,
 * managedFields, no-op detection (no new resourceVersion), admission hooks, then the commit.
 */
import type { ResourceDefinition } from "../../builtin/types.ts";
import { defaultBuiltinOnWrite } from "../../builtin/defaults.ts";
import { conflict, type FieldCause, invalid, notFound } from "../../errors/index.ts";
import { admissionAttributes } from "../admission.ts";
import type { KubeObject } from "../api.ts";
import type { StoreWriteOptions, WriteResult } from "../backend.ts";
import { crdStatus } from "../crd.ts";
import { cloneJson, deepEqual, nowRfc3339 } from "../json.ts";
import { recordManagedFields } from "../managed-fields.ts";
import type { WriteContext } from "./context.ts";
import { normalizeBody } from "./normalize.ts";
import { isCrdKind, toStorage, validateAndPrepare } from "./validate.ts";

/** PUT of the main resource or the `status` subresource (the `scale` subresource is `scale.ts`'s). */
export function updateObject(
  ctx: WriteContext,
  def: ResourceDefinition,
  input: KubeObject,
  opts: StoreWriteOptions,
): WriteResult {
  const obj = normalizeBody(ctx.table.registry, def, input, opts.namespace ?? input?.metadata?.namespace);
  const name = obj.metadata.name ?? "";
  if (name === "")
    throw invalid(def.group, def.kind, name, [
      { field: "metadata.name", reason: "FieldValueRequired", message: "Required value: name is required" },
    ]);
  const existing = ctx.table.entry(def, obj.metadata.namespace, name);
  if (!existing) throw notFound(def, name);
  const rvWanted = obj.metadata.resourceVersion;
  if (rvWanted !== undefined && rvWanted !== existing.obj.metadata.resourceVersion) throw conflict(def, name);
  return writeUpdate(ctx, def, existing.obj, obj, opts, "Update");
}

/**
 * The common tail of update and patch: applies subresource rules, metadata immutability, generation, validation,
 * change detection, admission and commit. `oldStored` is the stored object, `incoming` the requested new state;
 * `managedFieldsSubresource` names the subresource of the managedFields entry (`scale` for a write through the scale
 * subresource, which is otherwise a main-resource write).
 */
export function writeUpdate(
  ctx: WriteContext,
  def: ResourceDefinition,
  oldStored: KubeObject,
  incoming: KubeObject,
  opts: StoreWriteOptions,
  operation: "Update" | "Apply",
  managedFieldsSubresource: string | undefined = opts.subresource,
): WriteResult {
  const { table } = ctx;
  const warnings: string[] = [];
  const old = table.served(def, oldStored);
  let next: KubeObject;
  if (opts.subresource === "status") {
    next = cloneJson(old);
    if (incoming.status === undefined) delete next.status;
    else next.status = cloneJson(incoming.status);
    if (operation === "Apply" && incoming.metadata.managedFields !== undefined)
      next.metadata.managedFields = cloneJson(incoming.metadata.managedFields);
  } else {
    next = incoming;
    if (def.statusSubresource) {
      if (old.status === undefined) delete next.status;
      else next.status = cloneJson(old.status);
    }
  }
  const meta = next.metadata;
  const oldMeta = old.metadata;
  meta.name = oldMeta.name ?? "";
  if (def.namespaced) meta.namespace = oldMeta.namespace ?? "";
  meta.uid = oldMeta.uid ?? "";
  meta.creationTimestamp = oldMeta.creationTimestamp ?? "";
  meta.resourceVersion = oldMeta.resourceVersion ?? "";
  if (oldMeta.generation !== undefined) meta.generation = oldMeta.generation;
  else delete meta.generation;
  if (oldMeta.deletionTimestamp !== undefined) {
    meta.deletionTimestamp = oldMeta.deletionTimestamp;
    if (oldMeta.deletionGracePeriodSeconds !== undefined)
      meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
    const before = new Set(oldMeta.finalizers ?? []);
    const added = (meta.finalizers ?? []).filter((f) => !before.has(f));
    if (added.length > 0)
      throw invalid(def.group, def.kind, meta.name ?? "", [
        {
          field: "metadata.finalizers",
          reason: "FieldValueForbidden",
          message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`,
        },
      ]);
  } else {
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
  }
  if (def.builtin) defaultBuiltinOnWrite(def.kind, def.group, next);
  if (def.builtin) {
    const causes = immutableFieldCauses(def, old, next);
    if (causes.length > 0) throw invalid(def.group, def.kind, meta.name ?? "", causes);
  }
  validateAndPrepare(def, next, old, opts, warnings);
  if (isCrdKind(def)) next.status = crdStatus(next, nowRfc3339(), old.status);
  if (def.generation && specChanged(def, old, next)) meta.generation = (oldMeta.generation ?? 0) + 1;
  if (ctx.trackManagedFields)
    recordManagedFields(def, old, next, opts.fieldManager, operation, managedFieldsSubresource);
  if (deepEqual(stripVolatile(old), stripVolatile(next))) {
    return { object: old, warnings, created: false };
  }
  ctx.admission.admit(admissionAttributes(def, "UPDATE", meta.name ?? "", meta.namespace, next, old, opts));
  if (opts.dryRun) return { object: table.served(def, next), warnings, created: false };
  const stored = toStorage(table, def, next);
  const removed = ctx.commit.update(def, oldStored, stored);
  return { object: table.served(def, removed ?? stored), warnings, created: false };
}

/** True when anything but metadata (and status, for kinds with a status subresource) differs. */
function specChanged(def: ResourceDefinition, a: KubeObject, b: KubeObject): boolean {
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (k === "metadata" || k === "apiVersion" || k === "kind") continue;
    if (k === "status" && def.statusSubresource) continue;
    if (!deepEqual(a[k], b[k])) return true;
  }
  return false;
}

/** The object without the fields every write changes (used to detect a no-op write). */
function stripVolatile(o: KubeObject): KubeObject {
  const meta = { ...o.metadata };
  delete meta.managedFields;
  delete meta.resourceVersion;
  return { ...o, metadata: meta };
}

/**
 * The changes an update may not make to a built-in object: the data of an `immutable` ConfigMap or Secret, and a
 * StorageClass's provisioner, parameters, reclaim policy and binding mode (the real server's wording and order).
 */
function immutableFieldCauses(def: ResourceDefinition, old: KubeObject, next: KubeObject): FieldCause[] {
  const changed = (fields: readonly string[]) => fields.filter((f) => !deepEqual(old[f], next[f]));
  if (def.group === "" && (def.kind === "ConfigMap" || def.kind === "Secret") && old.immutable === true)
    return changed(def.kind === "Secret" ? ["data", "immutable"] : ["data", "binaryData", "immutable"]).map((f) => ({
      field: f,
      reason: "FieldValueForbidden",
      message: "Forbidden: field is immutable when `immutable` is set",
    }));
  if (def.group === "storage.k8s.io" && def.kind === "StorageClass")
    return changed(["provisioner", "parameters", "reclaimPolicy", "volumeBindingMode"]).map((f) => ({
      field: f,
      reason: "FieldValueInvalid",
      message: "Invalid value: null: field is immutable",
    }));
  return [];
}
