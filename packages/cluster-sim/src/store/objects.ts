/**
 * The stored objects — what etcd holds for the real server: one map per resource type keyed by namespace/name, the
 * cluster-wide resourceVersion counter, an index by uid, cached JSON text, and the resolution of a request's
 * group/version/resource to its served definition. No rules live here; the write paths decide, this module keeps.
 */
import type { ResourceDefinition } from "../builtin/types.ts";
import { pathNotFound } from "../errors/index.ts";
import type { KubeObject, ResourceKey } from "./api.ts";
import type { StoredEntry } from "./backend.ts";
import { isObject } from "./json.ts";
import { groupResourceKey, Registry } from "./registry.ts";
import { newWatchLog, type WatchLog } from "./watch-history.ts";

/** The objects of one resource type (all its versions share them) and their watch log. */
export interface TypeState {
  /** `group/resource`. */
  groupResource: string;
  items: Map<string, StoredEntry>;
  log: WatchLog;
  /** Item keys in order (rebuilt after an insert or removal). */
  sortedKeys: string[] | undefined;
}

/** The key of an object within its type: `namespace/name` (`/name` for cluster-scoped kinds). */
export function itemKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ""}/${name}`;
}

/** `apiVersion` of a definition: `v1` for the core group, else `group/version`. */
export function apiVersionOf(def: ResourceDefinition): string {
  return def.group === "" ? def.version : `${def.group}/${def.version}`;
}

/** Where a uid is stored. */
export interface UidLocation {
  groupResource: string;
  key: string;
}

/** The object table. */
export class ObjectTable {
  readonly registry = new Registry();
  /** The last committed resourceVersion (one counter for the whole cluster, as etcd's revision). */
  rv = 1000;
  /** Where each stored uid lives. */
  readonly byUid = new Map<string, UidLocation>();
  private readonly types = new Map<string, TypeState>();
  private readonly jsonCache = new WeakMap<KubeObject, string>();

  /** The definition served at `key` (any version for a known group/resource when `version` is ""), or NotFound. */
  definition(key: ResourceKey): ResourceDefinition {
    const def =
      this.registry.get(key.group, key.version, key.resource) ??
      (key.version === "" ? this.registry.storageDefinition(key.group, key.resource) : undefined);
    if (!def) throw pathNotFound();
    return def;
  }

  /** The definition of `def`'s kind at its storage version. */
  storageDefinition(def: ResourceDefinition): ResourceDefinition {
    return this.registry.get(def.group, def.storageVersion, def.resource) ?? def;
  }

  /** The state of `def`'s type (created on first use). */
  typeState(def: ResourceDefinition): TypeState {
    const gr = groupResourceKey(def.group, def.resource);
    let s = this.types.get(gr);
    if (!s) {
      s = { groupResource: gr, items: new Map(), log: newWatchLog(), sortedKeys: undefined };
      this.types.set(gr, s);
    }
    return s;
  }

  /** Every type that has state. */
  typeStates(): IterableIterator<TypeState> {
    return this.types.values();
  }

  /** The object as served at `def`'s version (a copy when the apiVersion changes, else the stored reference). */
  served(def: ResourceDefinition, obj: KubeObject): KubeObject {
    const apiVersion = apiVersionOf(def);
    return obj.apiVersion === apiVersion ? obj : { ...obj, apiVersion };
  }

  /** The namespace a request means: none for cluster-scoped kinds, `default` when a namespaced request names none. */
  namespaceOf(def: ResourceDefinition, requested: string | undefined): string | undefined {
    if (!def.namespaced) return undefined;
    return requested === undefined || requested === "" ? "default" : requested;
  }

  /** The stored entry of `namespace/name` (the namespace as stored: see {@link namespaceOf}). */
  entry(def: ResourceDefinition, namespace: string | undefined, name: string): StoredEntry | undefined {
    return this.typeState(def).items.get(itemKey(namespace, name));
  }

  /** Entries in key order. */
  sortedEntries(def: ResourceDefinition): StoredEntry[] {
    const s = this.typeState(def);
    s.sortedKeys ??= [...s.items.keys()].sort();
    const out: StoredEntry[] = [];
    for (const k of s.sortedKeys) {
      const e = s.items.get(k);
      if (e) out.push(e);
    }
    return out;
  }

  /** True when at least one object of the type is stored. */
  hasEntries(def: ResourceDefinition): boolean {
    return this.typeState(def).items.size > 0;
  }

  /** The cached JSON text of a stored entry. */
  entryJson(e: StoredEntry): string {
    e.json ??= this.objectJson(e.obj);
    return e.json;
  }

  /**
   * The JSON text of a committed object (stored objects are never changed in place: every write stores a new one),
   * serialised once and shared by the write's response, its watch events and lists.
   */
  objectJson(obj: KubeObject): string {
    let s = this.jsonCache.get(obj);
    if (s === undefined) {
      s = JSON.stringify(obj);
      this.jsonCache.set(obj, s);
    }
    return s;
  }

  /** Stores `obj` (already carrying its new resourceVersion) under its namespace/name. Returns its item key. */
  put(s: TypeState, obj: KubeObject, inserted: boolean): string {
    const key = itemKey(obj.metadata.namespace, obj.metadata.name ?? "");
    s.items.set(key, { obj });
    if (inserted) s.sortedKeys = undefined;
    if (obj.metadata.uid) this.byUid.set(obj.metadata.uid, { groupResource: s.groupResource, key });
    return key;
  }

  /** Removes the object stored for `stored` (its namespace/name and uid). Returns its item key. */
  remove(s: TypeState, stored: KubeObject): string {
    const key = itemKey(stored.metadata.namespace, stored.metadata.name ?? "");
    s.items.delete(key);
    s.sortedKeys = undefined;
    this.byUid.delete(stored.metadata.uid ?? "");
    return key;
  }

  /** Forgets a CRD's kinds and every object of them (the CRD itself is gone). */
  removeCustomResources(crd: KubeObject): void {
    const spec = isObject(crd.spec) ? crd.spec : {};
    const names = isObject(spec.names) ? spec.names : {};
    const gr = groupResourceKey(String(spec.group ?? ""), String(names.plural ?? ""));
    this.registry.removeCrd(crd.metadata.name ?? "");
    const s = this.types.get(gr);
    if (!s) return;
    for (const e of s.items.values()) this.byUid.delete(e.obj.metadata.uid ?? "");
    this.types.delete(gr);
  }

  /** The stored object and its definition (storage version) at `groupResource` + item key. */
  lookup(groupResource: string, key: string): { def: ResourceDefinition; obj: KubeObject } | undefined {
    const e = this.types.get(groupResource)?.items.get(key);
    if (!e) return undefined;
    const slash = groupResource.indexOf("/");
    const def = this.registry.storageDefinition(groupResource.slice(0, slash), groupResource.slice(slash + 1));
    return def ? { def, obj: e.obj } : undefined;
  }

  /** The resource key of a stored object (from its apiVersion and kind). */
  keyOf(obj: KubeObject): ResourceKey | undefined {
    const def = this.registry.byKind(obj.apiVersion, obj.kind);
    return def ? { group: def.group, version: def.version, resource: def.resource } : undefined;
  }
}
