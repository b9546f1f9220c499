/**
 * The garbage collector for `metadata.ownerReferences`, as kube-controller-manager's runs it: when an owner is gone,
 * dependents without another live owner are deleted (Background propagation); an owner deleted with `Foreground`
 * keeps its `foregroundDeletion` finalizer until no dependent with `blockOwnerDeletion` is left; an owner deleted with
 * `Orphan` keeps its `orphan` finalizer until its dependents no longer reference it. Work runs in the
 * {@link BackgroundQueue}, after the write that caused it.
 */
import type { ResourceDefinition } from "../builtin/types.ts";
import type { KubeObject, OwnerReference, ResourceKey } from "./api.ts";
import type { BackgroundQueue } from "./background.ts";
import type { DeleteResult, StoreDeleteOptions } from "./backend.ts";
import type { Committer } from "./commit.ts";
import { cloneJson, deepEqual } from "./json.ts";
import type { ObjectTable } from "./objects.ts";
import { type OwnerIndex, splitDependentKey } from "./owner-index.ts";

/** A delete through the store's deletion rules (graceful deletion, finalizers, propagation). */
export type DeleteObject = (
  resource: ResourceKey,
  namespace: string | undefined,
  name: string,
  options: StoreDeleteOptions,
) => DeleteResult;

/** What the collector works with. */
export interface GarbageCollectorDeps {
  table: ObjectTable;
  owners: OwnerIndex;
  commit: Committer;
  background: BackgroundQueue;
  deleteObject: DeleteObject;
}

/** The garbage collector. */
export class GarbageCollector {
  private readonly d: GarbageCollectorDeps;

  constructor(deps: GarbageCollectorDeps) {
    this.d = deps;
  }

  /** After `stored` was removed: collect its orphaned dependents, recheck its owners waiting on it. */
  objectRemoved(stored: KubeObject): void {
    const uid = stored.metadata.uid ?? "";
    if (this.d.owners.hasDependents(uid)) this.d.background.schedule(() => this.collectOrphansOf(uid));
    for (const ref of stored.metadata.ownerReferences ?? []) {
      this.d.background.schedule(() => this.recheckForegroundOwner(ref.uid));
    }
  }

  /** After an owner got a `foregroundDeletion` or `orphan` finalizer from a delete: act on its dependents. */
  ownerDeleting(def: ResourceDefinition, namespace: string | undefined, name: string): void {
    this.d.background.schedule(() => this.processOwnerDeletion(def, namespace, name));
  }

  /** After an owner is gone: delete dependents with no remaining live owner. */
  private collectOrphansOf(ownerUid: string): void {
    const deps = this.d.owners.dependentsOf(ownerUid);
    if (!deps) return;
    for (const dependent of [...deps]) {
      const at = splitDependentKey(dependent);
      const found = this.d.table.lookup(at.groupResource, at.key);
      if (!found) {
        deps.delete(dependent);
        continue;
      }
      const refs: OwnerReference[] = found.obj.metadata.ownerReferences ?? [];
      const liveOwner = refs.some((r) => r.uid !== ownerUid && this.d.table.byUid.has(r.uid));
      if (liveOwner) continue;
      const key = this.d.table.keyOf(found.obj);
      if (!key || found.obj.metadata.deletionTimestamp) continue;
      this.d.deleteObject(key, found.obj.metadata.namespace, found.obj.metadata.name ?? "", {
        propagationPolicy: "Background",
      });
    }
    this.d.owners.prune(ownerUid);
  }

  /** Foreground/orphan deletion of an owner: act on the dependents, then drop the finalizer when done. */
  private processOwnerDeletion(def: ResourceDefinition, ns: string | undefined, name: string): void {
    const e = this.d.table.entry(def, ns, name);
    if (!e) return;
    const uid = e.obj.metadata.uid ?? "";
    const finalizers = e.obj.metadata.finalizers ?? [];
    const deps = [...(this.d.owners.dependentsOf(uid) ?? [])];
    if (finalizers.includes("orphan")) {
      for (const dependent of deps) {
        const at = splitDependentKey(dependent);
        const found = this.d.table.lookup(at.groupResource, at.key);
        const key = found ? this.d.table.keyOf(found.obj) : undefined;
        if (!found || !key) continue;
        const refs = (found.obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
        const next = cloneJson(found.obj);
        if (refs.length > 0) next.metadata.ownerReferences = refs;
        else delete next.metadata.ownerReferences;
        this.updateIfChanged(found.def, found.obj, next);
      }
      this.dropFinalizer(def, ns, name, "orphan");
      return;
    }
    if (finalizers.includes("foregroundDeletion")) {
      for (const dependent of deps) {
        const at = splitDependentKey(dependent);
        const found = this.d.table.lookup(at.groupResource, at.key);
        const key = found ? this.d.table.keyOf(found.obj) : undefined;
        if (!found || !key || found.obj.metadata.deletionTimestamp) continue;
        this.d.deleteObject(key, found.obj.metadata.namespace, found.obj.metadata.name ?? "", {
          propagationPolicy: "Foreground",
        });
      }
      this.recheckForegroundOwner(uid);
    }
  }

  /** Removes `foregroundDeletion` once no dependent with `blockOwnerDeletion` remains. */
  private recheckForegroundOwner(ownerUid: string): void {
    const loc = this.d.table.byUid.get(ownerUid);
    if (!loc) return;
    const owner = this.d.table.lookup(loc.groupResource, loc.key);
    if (!owner || !(owner.obj.metadata.finalizers ?? []).includes("foregroundDeletion")) return;
    for (const dependent of this.d.owners.dependentsOf(ownerUid) ?? []) {
      const at = splitDependentKey(dependent);
      const found = this.d.table.lookup(at.groupResource, at.key);
      if (!found) continue;
      const ref = (found.obj.metadata.ownerReferences ?? []).find((r) => r.uid === ownerUid);
      if (ref?.blockOwnerDeletion) return;
    }
    this.dropFinalizer(owner.def, owner.obj.metadata.namespace, owner.obj.metadata.name ?? "", "foregroundDeletion");
  }

  private dropFinalizer(def: ResourceDefinition, ns: string | undefined, name: string, finalizer: string): void {
    const e = this.d.table.entry(def, ns, name);
    if (!e) return;
    const next = cloneJson(e.obj);
    const rest = (next.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    if (rest.length > 0) next.metadata.finalizers = rest;
    else delete next.metadata.finalizers;
    this.updateIfChanged(def, e.obj, next);
  }

  private updateIfChanged(def: ResourceDefinition, stored: KubeObject, next: KubeObject): void {
    if (!deepEqual(stored, next)) this.d.commit.update(def, stored, next);
  }
}
