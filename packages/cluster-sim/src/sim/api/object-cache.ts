/**
 * The objects of the cached resource types, by `group/resource` then `namespace/name`, with the indexes the
 * controllers look up by (as client-go's informer indexers): namespace, `spec.nodeName` (pods; unbound ones under
 * `""`), controller uid, and label `key=value`. A lookup through an index visits only the objects of its index entry,
 * so the controllers' per-event work does not grow with the number of objects in the cluster.
 */
import type { KubeObject, ListOptions, ResourceKey, StoreEventType } from "../../store/api.ts";

const groupResource = (r: ResourceKey) => `${r.group}/${r.resource}`;
const itemKey = (namespace: string | undefined, name: string) => `${namespace ?? ""}/${name}`;
const nodeNameOf = (o: KubeObject): string => {
  const n = (o.spec as { nodeName?: unknown } | undefined)?.nodeName;
  return typeof n === "string" ? n : "";
};
const controllerUidOf = (o: KubeObject): string | undefined =>
  o.metadata.ownerReferences?.find((r) => r.controller === true)?.uid;
const labelKey = (k: string, v: string) => `${k}\u0000${v}`;

/** One cached object and its place in insertion order (lists keep that order, indexed or not). */
interface Entry {
  readonly obj: KubeObject;
  readonly seq: number;
}

/** The objects of one resource type and their indexes (index values are item keys). */
interface TypeCache {
  readonly items: Map<string, Entry>;
  readonly byNamespace: Map<string, Set<string>>;
  readonly byNode: Map<string, Set<string>>;
  readonly byController: Map<string, Set<string>>;
  readonly byLabel: Map<string, Set<string>>;
}

/** How much work the cache's reads did: how many reads, and how many cached objects they looked at. */
export interface CacheReadStats {
  /** `list`, `listSelected` and `listControlledBy` calls. */
  reads: number;
  /** Objects those reads looked at (a full scan visits every object of the type; an index lookup, its entry's). */
  visited: number;
}

function addTo(index: Map<string, Set<string>>, value: string, key: string): void {
  let set = index.get(value);
  if (set === undefined) {
    set = new Set();
    index.set(value, set);
  }
  set.add(key);
}

function removeFrom(index: Map<string, Set<string>>, value: string, key: string): void {
  const set = index.get(value);
  if (set === undefined) return;
  set.delete(key);
  if (set.size === 0) index.delete(value);
}

/** Latest objects of a fixed set of resource types. */
export class ObjectCache {
  readonly #data = new Map<string, TypeCache>();
  #seq = 0;
  readonly #stats: CacheReadStats = { reads: 0, visited: 0 };

  constructor(resources: readonly ResourceKey[]) {
    for (const r of resources) {
      this.#data.set(groupResource(r), {
        items: new Map(),
        byNamespace: new Map(),
        byNode: new Map(),
        byController: new Map(),
        byLabel: new Map(),
      });
    }
  }

  /** The work done by reads so far (a copy). */
  stats(): CacheReadStats {
    return { ...this.#stats };
  }

  /** True when `resource` is one of the cached types. */
  caches(resource: ResourceKey): boolean {
    return this.#data.has(groupResource(resource));
  }

  #type(resource: ResourceKey): TypeCache {
    const t = this.#data.get(groupResource(resource));
    if (t === undefined) {
      throw new Error(
        `the simulation does not cache ${groupResource(resource)}: add it to the cached resources of its API`,
      );
    }
    return t;
  }

  #index(t: TypeCache, key: string, o: KubeObject): void {
    addTo(t.byNamespace, o.metadata.namespace ?? "", key);
    addTo(t.byNode, nodeNameOf(o), key);
    const uid = controllerUidOf(o);
    if (uid !== undefined) addTo(t.byController, uid, key);
    for (const [k, v] of Object.entries(o.metadata.labels ?? {})) addTo(t.byLabel, labelKey(k, v), key);
  }

  #unindex(t: TypeCache, key: string, o: KubeObject): void {
    removeFrom(t.byNamespace, o.metadata.namespace ?? "", key);
    removeFrom(t.byNode, nodeNameOf(o), key);
    const uid = controllerUidOf(o);
    if (uid !== undefined) removeFrom(t.byController, uid, key);
    for (const [k, v] of Object.entries(o.metadata.labels ?? {})) removeFrom(t.byLabel, labelKey(k, v), key);
  }

  #put(t: TypeCache, o: KubeObject): void {
    const key = itemKey(o.metadata.namespace, o.metadata.name ?? "");
    const old = t.items.get(key);
    if (old !== undefined) this.#unindex(t, key, old.obj);
    // A replaced object keeps its place (as a Map keeps a re-set key's position).
    t.items.set(key, { obj: o, seq: old?.seq ?? this.#seq++ });
    this.#index(t, key, o);
  }

  /** Takes a change. */
  apply(type: StoreEventType, resource: ResourceKey, object: KubeObject): void {
    const t = this.#type(resource);
    if (type !== "DELETED") {
      this.#put(t, object);
      return;
    }
    const key = itemKey(object.metadata.namespace, object.metadata.name ?? "");
    const old = t.items.get(key);
    if (old === undefined) return;
    this.#unindex(t, key, old.obj);
    t.items.delete(key);
  }

  /** Replaces every object of `resource` (after a relist). */
  replace(resource: ResourceKey, objects: readonly KubeObject[]): void {
    const t = this.#type(resource);
    t.items.clear();
    for (const index of [t.byNamespace, t.byNode, t.byController, t.byLabel]) index.clear();
    for (const o of objects) this.#put(t, o);
  }

  get(resource: ResourceKey, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.#type(resource).items.get(itemKey(namespace, name))?.obj;
  }

  /** The objects of `keys` (an index entry) passing `keep`, in insertion order. */
  #collect(t: TypeCache, keys: Iterable<string> | undefined, keep: (o: KubeObject) => boolean): KubeObject[] {
    this.#stats.reads++;
    if (keys === undefined) return [];
    const found: Entry[] = [];
    for (const key of keys) {
      const e = t.items.get(key);
      this.#stats.visited++;
      if (e !== undefined && keep(e.obj)) found.push(e);
    }
    if (found.length > 1) found.sort((a, b) => a.seq - b.seq);
    return found.map((e) => e.obj);
  }

  /**
   * Objects, optionally in one namespace or (pods) on one node: `fieldSelector: "spec.nodeName=<node>"`, where an
   * empty `<node>` selects the pods not bound to a node (as the API server's field selector does). In insertion order.
   */
  list(resource: ResourceKey, options: ListOptions = {}): KubeObject[] {
    const t = this.#type(resource);
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
      throw new Error("the simulation's cache takes no label selector: use listSelected, or filter the list");
    }
    const namespace = options.namespace;
    if (nodeName !== undefined) {
      return this.#collect(
        t,
        t.byNode.get(nodeName),
        (o) => namespace === undefined || o.metadata.namespace === namespace,
      );
    }
    if (namespace !== undefined) return this.#collect(t, t.byNamespace.get(namespace), () => true);
    this.#stats.reads++;
    this.#stats.visited += t.items.size;
    return Array.from(t.items.values(), (e) => e.obj);
  }

  /**
   * Objects in `namespace` (every namespace when undefined) whose labels hold every entry of `selector`, a
   * Service-style selector: an empty one selects nothing. Served from the label index, in insertion order.
   */
  listSelected(resource: ResourceKey, namespace: string | undefined, selector: Record<string, string>): KubeObject[] {
    const t = this.#type(resource);
    const entries = Object.entries(selector);
    if (entries.length === 0) {
      this.#stats.reads++;
      return [];
    }
    // The smallest index entry among the selector's pairs; the others are checked on its objects.
    let smallest: Set<string> | undefined;
    for (const [k, v] of entries) {
      const set = t.byLabel.get(labelKey(k, v));
      if (set === undefined) {
        this.#stats.reads++;
        return [];
      }
      if (smallest === undefined || set.size < smallest.size) smallest = set;
    }
    return this.#collect(
      t,
      smallest,
      (o) =>
        (namespace === undefined || o.metadata.namespace === namespace) &&
        entries.every(([k, v]) => o.metadata.labels?.[k] === v),
    );
  }

  /** Objects in `namespace` (every namespace when undefined) whose controller reference has `uid`, in insertion order. */
  listControlledBy(resource: ResourceKey, namespace: string | undefined, uid: string): KubeObject[] {
    const t = this.#type(resource);
    return this.#collect(
      t,
      t.byController.get(uid),
      (o) => namespace === undefined || o.metadata.namespace === namespace,
    );
  }
}
