/**
 * The `scale` subresource, as the real server's scale registries serve it: an `autoscaling/v1 Scale` view of an
 * object (replicas at the kind's `specReplicasPath`/`statusReplicasPath`, the selector as a string), and updates and
 * patches of that view written back into the object through the shared update tail.
 */
import type { ResourceDefinition } from "../builtin/types.ts";
import { conflict, invalid, notFound, pathNotFound } from "../errors/index.ts";
import type { KubeObject, PatchType } from "./api.ts";
import type { StoreWriteOptions, WriteResult } from "./backend.ts";
import type { WriteContext } from "./crud/context.ts";
import { patchContext } from "./crud/patch.ts";
import { writeUpdate } from "./crud/update.ts";
import { cloneJson, isObject } from "./json.ts";
import { applyPatch } from "./patching.ts";

/** The Scale pseudo-definition used to patch a Scale object. */
const SCALE_DEF: ResourceDefinition = {
  group: "autoscaling",
  version: "v1",
  resource: "scale",
  kind: "Scale",
  listKind: "ScaleList",
  singular: "scale",
  shortNames: [],
  namespaced: true,
  verbs: ["get", "patch", "update"],
  categories: [],
  statusSubresource: false,
  generation: false,
  nameRule: "subdomain",
  builtin: true,
  storageVersion: "v1",
  structural: false,
};

/** The `autoscaling/v1 Scale` view of an object. */
export function scaleOf(def: ResourceDefinition, obj: KubeObject): KubeObject {
  if (!def.scale) throw pathNotFound();
  const read = (path: string): unknown => {
    let cur: unknown = obj;
    for (const p of path.replace(/^\./, "").split(".")) cur = isObject(cur) ? cur[p] : undefined;
    return cur;
  };
  const status: Record<string, unknown> = { replicas: Number(read(def.scale.statusReplicasPath) ?? 0) };
  let selector: unknown;
  if (def.scale.labelSelectorPath) selector = read(def.scale.labelSelectorPath);
  else if (def.builtin) selector = read(".spec.selector");
  if (typeof selector === "string") status.selector = selector;
  else if (isObject(selector) && isObject(selector.matchLabels))
    status.selector = Object.entries(selector.matchLabels)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(",");
  const meta: Record<string, unknown> = {
    name: obj.metadata.name,
    uid: obj.metadata.uid,
    resourceVersion: obj.metadata.resourceVersion,
    creationTimestamp: obj.metadata.creationTimestamp,
  };
  if (obj.metadata.namespace) meta.namespace = obj.metadata.namespace;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: meta,
    spec: { replicas: Number(read(def.scale.specReplicasPath) ?? 0) },
    status,
  };
}

/** PUT of a Scale: validates `spec.replicas`, writes it into the object; returns the new Scale. */
export function updateScale(
  ctx: WriteContext,
  def: ResourceDefinition,
  scale: KubeObject,
  opts: StoreWriteOptions,
): WriteResult {
  if (!def.scale) throw pathNotFound();
  const ns = ctx.table.namespaceOf(def, opts.namespace ?? scale?.metadata?.namespace);
  const name = String(scale?.metadata?.name ?? "");
  const existing = ctx.table.entry(def, ns, name);
  if (!existing) throw notFound(def, name);
  const rvWanted = scale.metadata?.resourceVersion;
  if (rvWanted !== undefined && rvWanted !== "" && rvWanted !== existing.obj.metadata.resourceVersion)
    throw conflict(def, name);
  const spec = isObject(scale.spec) ? scale.spec : {};
  const replicas = spec.replicas;
  if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0)
    throw invalid("autoscaling", "Scale", name, [
      {
        field: "spec.replicas",
        reason: "FieldValueInvalid",
        message: `Invalid value: ${JSON.stringify(replicas ?? null)}: must be greater than or equal to 0`,
      },
    ]);
  const next = cloneJson(ctx.table.served(def, existing.obj));
  const path = def.scale.specReplicasPath.replace(/^\./, "").split(".");
  let cur: Record<string, unknown> = next;
  for (const p of path.slice(0, -1)) {
    if (!isObject(cur[p])) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[path[path.length - 1] ?? "replicas"] = replicas;
  const { subresource: _scale, ...mainOpts } = opts;
  const w = writeUpdate(ctx, def, existing.obj, next, mainOpts, "Update", "scale");
  return { ...w, object: scaleOf(def, w.object) };
}

/** PATCH of a Scale: the patch applied to the current Scale view, then {@link updateScale}. */
export function patchScale(
  ctx: WriteContext,
  def: ResourceDefinition,
  namespace: string | undefined,
  name: string,
  type: PatchType,
  patch: unknown,
  opts: StoreWriteOptions,
): WriteResult {
  const ns = ctx.table.namespaceOf(def, namespace);
  const existing = ctx.table.entry(def, ns, name);
  if (!existing) throw notFound(def, name);
  const scale = scaleOf(def, ctx.table.served(def, existing.obj));
  const patchedScale = applyPatch({ ...patchContext(def, type, patch, opts), def: SCALE_DEF }, scale).object;
  return updateScale(ctx, def, patchedScale, { ...opts, namespace: ns ?? "" });
}
