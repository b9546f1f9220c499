/** Reads: get and list with label/field selectors, as the real server's registry `Get`/`List` answer them. */
import type { ResourceDefinition } from "../../builtin/types.ts";
import { badRequest, notFound } from "../../errors/index.ts";
import {
  matchesFieldSelector,
  matchesLabelSelector,
  parseFieldSelector,
  parseLabelSelector,
  unsupportedFieldSelectorMessage,
} from "../../semantics/index.ts";
import type { KubeObject, ListOptions, ResourceKey } from "../api.ts";
import type { ObjectTable } from "../objects.ts";

/** The stored object (not a copy: do not mutate), served at the requested version. */
export function getRef(
  table: ObjectTable,
  resource: ResourceKey,
  namespace: string | undefined,
  name: string,
): KubeObject | undefined {
  const def = table.definition(resource);
  const e = table.entry(def, table.namespaceOf(def, namespace), name);
  return e ? table.served(def, e.obj) : undefined;
}

/** Like {@link getRef} but throws NotFound. */
export function mustGetRef(
  table: ObjectTable,
  resource: ResourceKey,
  namespace: string | undefined,
  name: string,
): KubeObject {
  const obj = getRef(table, resource, namespace, name);
  if (!obj) throw notFound(table.definition(resource), name);
  return obj;
}

/** A matcher for the namespace and selectors of a list or watch (throws 400 on a bad or unsupported selector). */
export function selectorMatcher(def: ResourceDefinition, options: ListOptions): (obj: KubeObject) => boolean {
  const ns = def.namespaced && options.namespace ? options.namespace : undefined;
  const label = options.labelSelector ? parseLabelSelector(options.labelSelector) : undefined;
  const field = options.fieldSelector ? parseFieldSelector(options.fieldSelector) : undefined;
  if (field) {
    const msg = unsupportedFieldSelectorMessage(
      { group: def.group, kind: def.kind },
      field,
      def.builtin ? undefined : (def.selectableFields ?? []),
    );
    if (msg !== undefined) throw badRequest(msg);
  }
  if (!ns && !label && !field) return () => true;
  return (obj) => {
    if (ns !== undefined && obj.metadata.namespace !== ns) return false;
    if (label && !matchesLabelSelector(label, obj.metadata.labels)) return false;
    if (field && !matchesFieldSelector(field, obj)) return false;
    return true;
  };
}

/** The stored objects matching `options`, sorted by namespace/name (references: do not mutate). */
export function listRefs(table: ObjectTable, resource: ResourceKey, options: ListOptions = {}): KubeObject[] {
  const def = table.definition(resource);
  const match = selectorMatcher(def, options);
  const out: KubeObject[] = [];
  for (const e of table.sortedEntries(def)) if (match(e.obj)) out.push(table.served(def, e.obj));
  return out;
}
