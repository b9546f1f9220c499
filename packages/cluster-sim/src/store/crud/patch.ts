/**
 * Patch (PATCH with a JSON, merge, strategic-merge or apply patch), as the real server's patch handler does it: the
 * patch applied to the live object (`../patching.ts`), the name kept, optimistic concurrency when the patch carries a
 * resourceVersion, then the shared update tail; an apply patch to a missing object creates it.
 */
import type { ResourceDefinition } from "../../builtin/types.ts";
import { badRequest, conflict, notFound } from "../../errors/index.ts";
import type { PatchType, ResourceKey } from "../api.ts";
import type { StoreWriteOptions, WriteResult } from "../backend.ts";
import { applyPatch, type PatchContext } from "../patching.ts";
import type { WriteContext } from "./context.ts";
import { createObject } from "./create.ts";
import { normalizeBody } from "./normalize.ts";
import { writeUpdate } from "./update.ts";

/** The inputs of a patch as {@link applyPatch} takes them. */
export function patchContext(
  def: ResourceDefinition,
  type: PatchType,
  patch: unknown,
  opts: StoreWriteOptions,
): PatchContext {
  return {
    def,
    type,
    patch,
    fieldManager: opts.fieldManager,
    force: opts.force === true,
    subresource: opts.subresource,
  };
}

/** Patches the main resource or the `status` subresource (the `scale` subresource is `scale.ts`'s). */
export function patchObject(
  ctx: WriteContext,
  resource: ResourceKey,
  def: ResourceDefinition,
  namespace: string | undefined,
  name: string,
  type: PatchType,
  patch: unknown,
  opts: StoreWriteOptions,
): WriteResult {
  const ns = ctx.table.namespaceOf(def, namespace);
  const existing = ctx.table.entry(def, ns, name);
  const pctx = patchContext(def, type, patch, opts);
  if (!existing) {
    if (type !== "apply") throw notFound(def, name);
    const body = applyPatch(pctx, undefined).object;
    body.metadata.name = name;
    if (def.namespaced) body.metadata.namespace = ns ?? "default";
    return createObject(ctx, resource, body, { ...opts, applyCreate: true });
  }
  const current = ctx.table.served(def, existing.obj);
  const result = applyPatch(pctx, current);
  const next = normalizeBody(ctx.table.registry, def, result.object, ns);
  if (next.metadata.name !== undefined && next.metadata.name !== name)
    throw badRequest(
      `the name of the object (${String(next.metadata.name)}) does not match the name on the URL (${name})`,
    );
  next.metadata.name = name;
  const rvWanted = next.metadata.resourceVersion;
  if (rvWanted !== undefined && rvWanted !== existing.obj.metadata.resourceVersion) throw conflict(def, name);
  if (result.managedFields) next.metadata.managedFields = result.managedFields;
  const w = writeUpdate(ctx, def, existing.obj, next, opts, type === "apply" ? "Apply" : "Update");
  w.warnings.unshift(...result.warnings);
  return w;
}
