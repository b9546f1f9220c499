/** The objects of the cached resource types, by `group/resource` then `namespace/name`, with a pods-by-node index. */
import type { KubeObject, ListOptions, ResourceKey, StoreEventType } from "../../store/api.ts";

const groupResource = (r: ResourceKey) => `${r.group}/${r.resource}`;
const itemKey = (namespace: string | undefined, name: string) => `${namespace ?? ""}/${name}`;
const nodeNameOf = (o: KubeObject) => (o.spec as { nodeName?: unknown } | undefined)?.nodeName;

/** Latest objects of a fixed set of resource types. */
export class ObjectCache {
  readonly #data = new Map<string, Map<string, KubeObject>>();

  constructor(resources: readonly ResourceKey[]) {
    for (const r of resources) this.#data.set(groupResource(r), new Map());
  }

  /** True when `resource` is one of the cached types. */
  caches(resource: ResourceKey): boolean {
    return this.#data.has(groupResource(resource));
  }

  #items(resource: ResourceKey): Map<string, KubeObject> {
    const items = this.#data.get(groupResource(resource));
    if (items === undefined) {
      throw new Error(
        `the simulation does not cache ${groupResource(resource)}: add it to the cached resources of its API`,
      );
    }
    return items;
  }

  /** Takes a change. */
  apply(type: StoreEventType, resource: ResourceKey, object: KubeObject): void {
    const items = this.#items(resource);
    const key = itemKey(object.metadata.namespace, object.metadata.name ?? "");
    if (type === "DELETED") items.delete(key);
    else items.set(key, object);
  }

  /** Replaces every object of `resource` (after a relist). */
  replace(resource: ResourceKey, objects: readonly KubeObject[]): void {
    const items = this.#items(resource);
    items.clear();
    for (const o of objects) items.set(itemKey(o.metadata.namespace, o.metadata.name ?? ""), o);
  }

  get(resource: ResourceKey, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.#items(resource).get(itemKey(namespace, name));
  }

  /** Objects, optionally in one namespace or (pods) on one node: `fieldSelector: "spec.nodeName=<node>"`. */
  list(resource: ResourceKey, options: ListOptions = {}): KubeObject[] {
    const items = this.#items(resource);
    let nodeName: string | undefined;
    if (options.fieldSelector !== undefined && options.fieldSelector !== "") {
      nodeName = /^spec\.nodeName=([^,]*)$/.exec(options.fieldSelector)?.[1];
      if (nodeName === undefined) {
        throw new Error(
          `the simulation's cache supports only spec.nodeName=… field selectors, not "${options.fieldSelector}"`,
        );
      }
    }
    if (options.labelSelector) {
      throw new Error("the simulation's cache takes no label selector: filter with labelSelectorMatches");
    }
    const out: KubeObject[] = [];
    for (const o of items.values()) {
      if (options.namespace !== undefined && o.metadata.namespace !== options.namespace) continue;
      if (nodeName !== undefined && nodeNameOf(o) !== nodeName) continue;
      out.push(o);
    }
    return out;
  }
}
