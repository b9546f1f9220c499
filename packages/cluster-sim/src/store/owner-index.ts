/**
 * The index from an owner's uid to the objects whose `metadata.ownerReferences` name it — what the real garbage
 * collector's dependency graph keeps. Maintained on every commit; read by deletion (does the owner have dependents?)
 * and by the garbage collector.
 */
import type { KubeObject } from "./api.ts";
import { isObject } from "./json.ts";

/** `group/resource|namespace/name`: a dependent's address in the object table. */
export type DependentKey = string;

/** A dependent's address from its type and item key. */
export function dependentKey(groupResource: string, itemKey: string): DependentKey {
  return `${groupResource}|${itemKey}`;
}

/** Splits a {@link DependentKey} into its type and item key. */
export function splitDependentKey(k: DependentKey): { groupResource: string; key: string } {
  const bar = k.indexOf("|");
  return { groupResource: k.slice(0, bar), key: k.slice(bar + 1) };
}

/** The owner → dependents index. */
export class OwnerIndex {
  private readonly dependents = new Map<string, Set<DependentKey>>();

  /** Records the owner references of a committed object (`old`: its previous state, whose references are dropped). */
  update(groupResource: string, itemKey: string, obj: KubeObject, old: KubeObject | undefined): void {
    const before = old?.metadata.ownerReferences ?? [];
    const after = obj.metadata.ownerReferences ?? [];
    if (before.length === 0 && after.length === 0) return;
    const k = dependentKey(groupResource, itemKey);
    for (const r of before) this.dependents.get(r.uid)?.delete(k);
    for (const r of after) {
      if (!isObject(r) || typeof r.uid !== "string") continue;
      let set = this.dependents.get(r.uid);
      if (!set) {
        set = new Set();
        this.dependents.set(r.uid, set);
      }
      set.add(k);
    }
  }

  /** Drops the owner references of a removed object. */
  remove(groupResource: string, itemKey: string, obj: KubeObject): void {
    const k = dependentKey(groupResource, itemKey);
    for (const r of obj.metadata.ownerReferences ?? []) {
      const set = this.dependents.get(r.uid);
      set?.delete(k);
      if (set && set.size === 0) this.dependents.delete(r.uid);
    }
  }

  /** The dependents of `ownerUid` (the live set: copy it before changing objects while iterating). */
  dependentsOf(ownerUid: string): Set<DependentKey> | undefined {
    return this.dependents.get(ownerUid);
  }

  /** True when some stored object names `ownerUid` as an owner. */
  hasDependents(ownerUid: string): boolean {
    return (this.dependents.get(ownerUid)?.size ?? 0) > 0;
  }

  /** Forgets `ownerUid` when no dependent is left. */
  prune(ownerUid: string): void {
    if (this.dependents.get(ownerUid)?.size === 0) this.dependents.delete(ownerUid);
  }
}
