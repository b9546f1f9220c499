/**
 * Decoding a request body into an object of the addressed kind, as the real server's decoder and
 * `rest.BeforeCreate`/`BeforeUpdate` prologue do: a copy of the body, apiVersion/kind defaulted from the URL and
 * checked against it, metadata fields type-checked, the namespace taken from the URL.
 */
import type { ResourceDefinition } from "../../builtin/types.ts";
import { badRequest } from "../../errors/index.ts";
import type { KubeObject } from "../api.ts";
import { cloneJson, isObject } from "../json.ts";
import { apiVersionOf } from "../objects.ts";
import type { Registry } from "../registry.ts";

/** Copies the body, checks apiVersion/kind, defaults them from the URL, and sets the namespace. */
export function normalizeBody(
  registry: Registry,
  def: ResourceDefinition,
  input: unknown,
  namespace: string | undefined,
): KubeObject {
  if (!isObject(input)) throw badRequest(`Object in version "${def.version}" cannot be handled as a ${def.kind}`);
  const copy = cloneJson(input) as KubeObject;
  const obj = Object.assign(
    { apiVersion: copy.apiVersion, kind: copy.kind, metadata: copy.metadata },
    copy,
  ) as KubeObject;
  const apiVersion = apiVersionOf(def);
  if (obj.apiVersion === undefined || obj.apiVersion === "") obj.apiVersion = apiVersion;
  if (obj.kind === undefined || obj.kind === "") obj.kind = def.kind;
  if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string")
    throw badRequest(
      `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: invalid apiVersion or kind`,
    );
  if (obj.kind !== def.kind)
    throw badRequest(
      `${obj.kind} in version "${def.version}" cannot be handled as a ${def.kind}: the kind of the object (${obj.kind}) does not match the resource (${def.kind})`,
    );
  if (obj.apiVersion !== apiVersion) {
    const other = registry.byKind(obj.apiVersion, obj.kind);
    if (!other || other.group !== def.group || other.resource !== def.resource)
      throw badRequest(
        `the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersion})`,
      );
    obj.apiVersion = apiVersion;
  }
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  if (!isObject(obj.metadata))
    throw badRequest(
      `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: metadata must be an object`,
    );
  const meta = obj.metadata;
  for (const k of ["name", "generateName", "namespace", "resourceVersion"]) {
    if (meta[k] !== undefined && typeof meta[k] !== "string")
      throw badRequest(
        `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: json: cannot unmarshal into Go struct field ObjectMeta.metadata.${k} of type string`,
      );
    if (meta[k] === "") delete meta[k];
  }
  if (def.namespaced) {
    if (namespace !== undefined && namespace !== "" && meta.namespace !== undefined && meta.namespace !== namespace)
      throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
    meta.namespace = namespace || meta.namespace || "default";
  } else delete meta.namespace;
  for (const k of ["labels", "annotations"]) {
    const m = meta[k];
    if (m === undefined || m === null) {
      delete meta[k];
      continue;
    }
    if (!isObject(m) || Object.values(m).some((v) => typeof v !== "string"))
      throw badRequest(
        `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: json: cannot unmarshal into Go struct field ObjectMeta.metadata.${k} of type map[string]string`,
      );
  }
  if (meta.finalizers !== undefined && !Array.isArray(meta.finalizers))
    throw badRequest(
      `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: json: cannot unmarshal into Go struct field ObjectMeta.metadata.finalizers of type []string`,
    );
  return obj;
}
