/**
 * Create (POST, and the create half of an apply patch), as the real server's `rest.BeforeCreate` + registry strategy
 * do it: name from `generateName`, name rules, NamespaceLifecycle, uniqueness, uid/creationTimestamp/generation,
 * built-in defaulting, validation, managedFields, admission hooks, then the commit (or nothing, under `dryRun`).
 */
import { randomUUID } from "node:crypto";
import { defaultBuiltinOnCreate, defaultBuiltinOnWrite } from "../../builtin/defaults.ts";
import { alreadyExists, type FieldCause, invalid, methodNotAllowed } from "../../errors/index.ts";
import { admissionAttributes, checkNamespaceLifecycle } from "../admission.ts";
import type { KubeObject, ResourceKey } from "../api.ts";
import type { StoreWriteOptions, WriteResult } from "../backend.ts";
import { crdStatus } from "../crd.ts";
import { nowRfc3339, randomSuffix } from "../json.ts";
import { recordManagedFields } from "../managed-fields.ts";
import { validateName } from "../names.ts";
import type { WriteContext } from "./context.ts";
import { normalizeBody } from "./normalize.ts";
import { isCrdKind, toStorage, validateAndPrepare } from "./validate.ts";

/** Creates an object; returns it as served, with the warnings. */
export function createObject(
  ctx: WriteContext,
  resource: ResourceKey,
  input: KubeObject,
  opts: StoreWriteOptions,
): WriteResult {
  const { table } = ctx;
  const def = table.definition(resource);
  if (opts.subresource) throw methodNotAllowed();
  const obj = normalizeBody(table.registry, def, input, opts.namespace ?? input?.metadata?.namespace);
  const meta = obj.metadata;
  const warnings: string[] = [];
  if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomSuffix()}`;
  const name = meta.name ?? "";
  const nameCauses: FieldCause[] = [];
  if (name === "") {
    nameCauses.push({
      field: "metadata.name",
      reason: "FieldValueRequired",
      message: "Required value: name or generateName is required",
    });
  } else nameCauses.push(...validateName(name, def.nameRule));
  if (nameCauses.length > 0) throw invalid(def.group, def.kind, name, nameCauses);
  const namespace = meta.namespace;
  if (def.namespaced && namespace !== undefined) checkNamespaceLifecycle(table, def, namespace, name);
  if (table.entry(def, namespace, name)) throw alreadyExists(def, name);

  meta.uid = randomUUID();
  meta.creationTimestamp = nowRfc3339();
  delete meta.resourceVersion;
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  if (def.generation) meta.generation = 1;
  else delete meta.generation;
  if (def.builtin) {
    defaultBuiltinOnCreate(def.kind, def.group, obj, { allocateClusterIP: () => ctx.allocateClusterIP() });
    defaultBuiltinOnWrite(def.kind, def.group, obj);
  } else if (def.statusSubresource) delete obj.status;
  validateAndPrepare(def, obj, undefined, opts, warnings);
  if (isCrdKind(def)) obj.status = crdStatus(obj, meta.creationTimestamp, undefined);
  if (ctx.trackManagedFields || opts.applyCreate)
    recordManagedFields(def, undefined, obj, opts.fieldManager, opts.applyCreate ? "Apply" : "Update", undefined);
  ctx.admission.admit(admissionAttributes(def, "CREATE", name, namespace, obj, undefined, opts));
  if (opts.dryRun) return { object: table.served(def, obj), warnings, created: true };
  const stored = toStorage(table, def, obj);
  ctx.commit.create(def, stored);
  return { object: table.served(def, stored), warnings, created: true };
}
